// Loaner calendar: on a narrow screen, start with today's column in view instead of the 1st.
// Progressive enhancement only: without it the grid still scrolls sideways by hand.
document.querySelectorAll(".loan-grid-wrap").forEach((wrap) => {
  const today = wrap.querySelector("thead .is-today");
  const label = wrap.querySelector("thead .loan-grid__asset");
  if (today && label && wrap.scrollWidth > wrap.clientWidth) {
    wrap.scrollLeft = Math.max(0, today.offsetLeft - label.offsetWidth - 2 * today.offsetWidth);
  }
});
