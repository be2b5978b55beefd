// Tag sheet print page: the toolbar's Print button (shown only when scripts run; without them
// the browser's own Print command does the same).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
