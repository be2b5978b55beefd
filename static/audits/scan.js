// The audit scan page: answers without a reload, a remembered "Where am I", and the camera.
// Progressive enhancement: without this file the form posts, the server redirects back and the
// page shows the answer; with it, each scan is a fetch() whose JSON carries the answer's HTML.
(() => {
  "use strict";

  const form = document.getElementById("scan-form");
  if (!form) return;

  const input = form.elements.tag;
  const place = form.elements.location;
  const condition = form.elements.condition;
  const answerSlot = document.getElementById("scan-answer");
  const progressSlot = document.getElementById("scan-progress");
  const recentSlot = document.getElementById("scan-recent");
  const errorList = document.getElementById("scan-error");
  const placeKey = `itam.audit.${form.dataset.audit}.place`;

  // --- Where am I: the server keeps the last place posted; localStorage keeps it across visits.
  const storage = (() => {
    try {
      return window.localStorage;
    } catch {
      return null; // private mode or storage disabled: the server's memory still works
    }
  })();
  if (storage && form.dataset.remembered !== "1") {
    const saved = storage.getItem(placeKey);
    if (saved && Array.from(place.options).some((option) => option.value === saved)) {
      place.value = saved;
    }
  }
  place.addEventListener("change", () => {
    if (storage) storage.setItem(placeKey, place.value);
    input.focus();
  });

  // --- messages next to the input
  function showError(text, link) {
    errorList.replaceChildren();
    const item = document.createElement("li");
    item.textContent = text;
    if (link) {
      item.append(" ");
      const anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      item.append(anchor);
    }
    errorList.append(item);
    errorList.hidden = false;
    input.closest(".field").classList.add("field--error");
  }

  function clearError() {
    errorList.replaceChildren();
    errorList.hidden = true;
    input.closest(".field").classList.remove("field--error");
  }

  // --- feedback a person notices without looking: a short buzz, and a beep in camera mode
  let audio = null;
  function beep(good) {
    if (!audio) return;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = good ? 880 : 330;
    gain.gain.value = 0.08;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + (good ? 0.09 : 0.25));
  }
  function feedback(result) {
    const good = result === "expected";
    if (navigator.vibrate) navigator.vibrate(good ? 40 : [90, 60, 90]);
    beep(good);
  }

  // --- sending: one scan at a time, in the order they were read (a USB scanner types fast)
  let queue = Promise.resolve();

  async function send(data) {
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      showError(`No connection: ${data.get("tag")} was not recorded. Scan it again.`);
      return;
    }
    const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
    const body = isJson ? await response.json().catch(() => null) : null;
    if (response.ok && body) {
      answerSlot.innerHTML = body.html.answer;
      progressSlot.innerHTML = body.html.progress;
      recentSlot.innerHTML = body.html.recent;
      clearError();
      feedback(body.result);
      return;
    }
    if (!body) {
      // Sent to the sign-in page (the session ended), or the server failed.
      showError(`${data.get("tag")} was not recorded: the page needs reloading.`, {
        href: window.location.href,
        text: "Reload",
      });
      return;
    }
    if (response.status === 409) {
      showError(body.message, { href: body.results_url, text: "See the results" });
      form.querySelector("button[type=submit]").disabled = true;
    } else {
      showError(body.message || `${data.get("tag")} was not recorded.`);
    }
    feedback("refused");
  }

  function submit(code, { refocus }) {
    const data = new FormData(form);
    data.set("tag", code);
    input.value = "";
    condition.value = ""; // a condition belongs to one asset
    if (refocus) input.focus();
    queue = queue.then(() => send(data));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = input.value.trim();
    if (!code) {
      showError("Scan a code or type a tag.");
      input.focus();
      return;
    }
    submit(code, { refocus: true });
  });

  // --- the camera: BarcodeDetector where the browser has it, the vendored jsQR otherwise
  const startButton = document.getElementById("scan-camera-start");
  const stopButton = document.getElementById("scan-camera-stop");
  const panel = document.getElementById("scan-camera-panel");
  const video = document.getElementById("scan-camera-video");
  const hint = document.getElementById("scan-camera-hint");
  const FRAME_GAP_MS = 150; // ~6 reads a second: instant enough, and easy on the battery
  const SAME_CODE_MS = 4000; // a label held in view is read once, not 6 times a second
  let stream = null;
  let decode = null;
  let running = false;
  let last = { text: "", at: 0 };

  startButton.hidden = false;

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error("decoder"));
      document.head.append(script);
    });
  }

  async function makeDecoder() {
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) {
          const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return async (source) => {
            const codes = await detector.detect(source);
            return codes.length ? codes[0].rawValue : null;
          };
        }
      } catch {
        // fall through to jsQR
      }
    }
    await loadScript(form.dataset.jsqr);
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async (source) => {
      const width = source.videoWidth;
      const height = source.videoHeight;
      if (!width || !height) return null;
      const scale = Math.min(1, 640 / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR(image.data, image.width, image.height, {
        inversionAttempts: "dontInvert",
      });
      return code ? code.data : null;
    };
  }

  function read(text) {
    const now = Date.now();
    const same = text === last.text && now - last.at < SAME_CODE_MS;
    last = { text, at: now };
    if (same) return;
    submit(text, { refocus: false }); // focusing the input would open the keyboard over the video
  }

  async function tick() {
    if (!running) return;
    try {
      const text = await decode(video);
      if (text) read(text.trim());
    } catch {
      // a frame that could not be read: try the next one
    }
    window.setTimeout(() => window.requestAnimationFrame(tick), FRAME_GAP_MS);
  }

  function stop() {
    running = false;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    panel.hidden = true;
    startButton.hidden = false;
  }

  async function start() {
    clearError();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showError(
        "This browser cannot use the camera here (it needs an https address). Type the tag, " +
          "use a scanner, or scan the label with the phone's camera app.",
      );
      return;
    }
    if (!audio && window.AudioContext) audio = new window.AudioContext();
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch (error) {
      showError(
        error && error.name === "NotAllowedError"
          ? "Camera access was refused: allow it in the browser's settings, or type the tag."
          : "No camera could be opened: type the tag or use a scanner.",
      );
      return;
    }
    try {
      decode = decode || (await makeDecoder());
    } catch {
      stop();
      showError("The QR decoder could not be loaded: reload the page, or type the tag.");
      return;
    }
    video.srcObject = stream;
    panel.hidden = false;
    startButton.hidden = true;
    input.blur();
    await video.play().catch(() => {});
    hint.textContent = "Hold a label in the frame.";
    running = true;
    tick();
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", () => {
    stop();
    input.focus();
  });
  // A camera left running in a background tab drains the battery and keeps the light on.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && running) stop();
  });
})();
