// vocabot study page: a little JavaScript on top of pages that work without it.
// The YouTube player on demand, flashcard keys and swipes, Telegram Mini App sign-in and theme.

const $ = (selector, root = document) => root.querySelector(selector);

// -- Telegram's theme (the Mini App passes it once, in the URL fragment) --------------------
const THEME_KEY = "vocabot.tgTheme";
const THEME_VARS = {
  bg_color: "--bg",
  text_color: "--text",
  hint_color: "--hint",
  link_color: "--link",
  button_color: "--accent",
  button_text_color: "--accent-text",
  secondary_bg_color: "--panel",
};

function applyTheme(json) {
  let theme;
  try {
    theme = JSON.parse(json || "null");
  } catch {
    return;
  }
  if (!theme || typeof theme !== "object") return;
  const root = document.documentElement;
  for (const [key, cssVar] of Object.entries(THEME_VARS)) {
    const value = theme[key];
    if (typeof value === "string" && /^#([0-9a-fA-F]{3}){1,2}$/.test(value)) {
      root.style.setProperty(cssVar, value);
    }
  }
  root.classList.add("telegram");
  keepReadable(root);
}

// Telegram's colours are not all readable on each other (its day theme's hint is 2.8:1 on
// white, its buttons' white text 4.1:1): each text colour moves toward black or white just as
// far as WCAG AA (4.5:1) needs against every background it is drawn on. The hue stays.
const sRGB = (hex) => {
  const h = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join("") : hex.slice(1);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
};
const luminance = (rgb) => {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const isLight = (rgb) => luminance(rgb) > 0.179; // black text reads better on it than white

function readable(color, backgrounds, ratio = 4.5) {
  const target = isLight(backgrounds[0]) ? 0 : 255;
  for (let step = 0; step <= 50; step++) {
    const mixed = color.map((v) => Math.round(v + ((target - v) * step) / 50));
    if (backgrounds.every((bg) => contrast(mixed, bg) >= ratio)) return mixed;
  }
  return [target, target, target];
}

function keepReadable(root) {
  const style = getComputedStyle(root);
  const get = (cssVar) => sRGB(style.getPropertyValue(cssVar).trim());
  const set = (cssVar, rgb) =>
    root.style.setProperty(cssVar, `#${rgb.map((v) => v.toString(16).padStart(2, "0")).join("")}`);
  const pages = [get("--bg"), get("--panel")];
  const accent = get("--accent");
  const fixed = {
    "--text": readable(get("--text"), pages),
    "--hint": readable(get("--hint"), pages),
    "--link": readable(get("--link"), pages),
    "--accent": readable(accent, [get("--accent-text")]), // a button's background
    "--focus": readable(accent, pages, 3), // the focus ring, drawn on the page (3:1)
  };
  for (const [cssVar, rgb] of Object.entries(fixed)) set(cssVar, rgb);
  root.classList.toggle("dark", !isLight(pages[0]));
}

function launchParams() {
  return new URLSearchParams(location.hash.slice(1));
}

async function miniAppSignIn(form) {
  const status = $("#status");
  const params = launchParams();
  const theme = params.get("tgWebAppThemeParams");
  if (theme) {
    sessionStorage.setItem(THEME_KEY, theme);
    applyTheme(theme);
  }
  const initData = params.get("tgWebAppData");
  if (!initData) {
    status.textContent = status.dataset.missing;
    return;
  }
  form.elements.init_data.value = initData;
  const response = await fetch(form.action, {
    method: "POST",
    body: new URLSearchParams(new FormData(form)),
    credentials: "same-origin",
  });
  if (response.ok) {
    const { next } = await response.json();
    location.replace(next);
    return;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  status.textContent = $(".message", page)?.textContent ?? response.statusText;
  status.setAttribute("role", "alert");
}

// -- the YouTube player, asked for only when the learner presses play -----------------------
// The player is asked to talk to the page (enablejsapi): one that never says a word within
// `data-timeout` ms (offline, blocked, the browser's error page), or says onError (embedding
// refused, video removed), becomes a calm line with the link to YouTube. Both can be closed.
let stopListening = () => {};

function closeButton(player) {
  const close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.textContent = "✕ " + (player.dataset.close || "Close");
  close.addEventListener("click", () => {
    stopListening();
    player.replaceChildren();
    player.hidden = true;
    player.classList.remove("unavailable");
  });
  return close;
}

function unavailable(player, button) {
  stopListening();
  const { video, start } = button.dataset;
  const box = document.createElement("div");
  box.className = "unavailable-box";
  box.setAttribute("role", "status");
  const said = document.createElement("p");
  said.textContent = player.dataset.unavailable || "";
  const link = document.createElement("a");
  link.href = `https://youtu.be/${encodeURIComponent(video)}?t=${Number(start) || 0}`;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = "▶ " + (player.dataset.open || "YouTube");
  box.append(said, link);
  player.classList.add("unavailable");
  player.replaceChildren(box, closeButton(player));
  player.hidden = false;
}

function play(button) {
  const player = $("#player");
  if (!player) return;
  stopListening();
  player.classList.remove("unavailable");
  if (navigator.onLine === false) return unavailable(player, button);
  const { embed, video, start, end } = button.dataset;
  const src = new URL(embed + encodeURIComponent(video));
  src.search = new URLSearchParams({
    start,
    end,
    autoplay: "1",
    playsinline: "1",
    rel: "0",
    hl: document.documentElement.lang,
    enablejsapi: "1",
    origin: location.origin,
  }).toString();
  const frame = document.createElement("iframe");
  frame.src = src.toString();
  frame.title = button.textContent.replace("▶", "").trim();
  frame.allow = "autoplay; encrypted-media; picture-in-picture";
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  frame.allowFullscreen = true;
  let heard = false;
  const hello = () =>
    frame.contentWindow?.postMessage(JSON.stringify({ event: "listening", id: 1, channel: "widget" }), src.origin);
  const onMessage = (event) => {
    if (event.origin !== src.origin || event.source !== frame.contentWindow) return;
    heard = true;
    let data = event.data;
    try {
      data = typeof data === "string" ? JSON.parse(data) : data;
    } catch {
      return;
    }
    if (data && data.event === "onError") unavailable(player, button);
  };
  window.addEventListener("message", onMessage);
  frame.addEventListener("load", hello);
  const asking = setInterval(() => heard || hello(), 1000);
  const waiting = setTimeout(() => heard || unavailable(player, button), Number(player.dataset.timeout) || 10000);
  stopListening = () => {
    window.removeEventListener("message", onMessage);
    clearInterval(asking);
    clearTimeout(waiting);
    stopListening = () => {};
  };
  player.replaceChildren(closeButton(player), frame);
  player.hidden = false;
  player.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

// -- flashcards: Space flips, 1-4 rate; swipe left Again, right Good ------------------------
function flashcards(card) {
  const back = $("#back");
  const flipButton = $("#flip");
  const ratings = $("#ratings");
  const flipped = () => card.dataset.flipped === "true";

  function flip() {
    if (flipped()) return;
    card.dataset.flipped = "true";
    back.hidden = false;
    ratings.hidden = false;
    flipButton.hidden = true;
    back.focus();
  }

  function rate(value) {
    if (!flipped()) return flip();
    $(`button[data-key="${value}"]`, ratings)?.click();
  }

  flipButton.addEventListener("click", (event) => {
    event.preventDefault();
    flip();
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select") || event.target.isContentEditable;
    if (typing || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if ((event.key === " " || event.key === "Enter") && !flipped() && !event.target.closest("button, a")) {
      event.preventDefault();
      flip();
    } else if (["1", "2", "3", "4"].includes(event.key) && flipped()) {
      event.preventDefault();
      rate(event.key);
    }
  });
  let startX = null;
  let startY = null;
  card.addEventListener("touchstart", (event) => {
    startX = event.changedTouches[0].clientX;
    startY = event.changedTouches[0].clientY;
  }, { passive: true });
  card.addEventListener("touchend", (event) => {
    if (startX === null) return;
    const dx = event.changedTouches[0].clientX - startX;
    const dy = event.changedTouches[0].clientY - startY;
    startX = null;
    if (Math.abs(dx) < 60 || Math.abs(dx) < Math.abs(dy)) {
      if (Math.abs(dx) < 10 && Math.abs(dy) < 10 && !event.target.closest("button, a")) flip();
      return;
    }
    rate(dx < 0 ? "1" : "3");
  });
}

function start() {
  applyTheme(sessionStorage.getItem(THEME_KEY));
  const miniApp = $("#mini-app");
  if (miniApp) miniAppSignIn(miniApp);
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.play");
    if (button) play(button);
  });
  const card = $("#flashcard");
  if (card) flashcards(card);
  // One press per rating: a second tap while the page loads would rate the next card.
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      setTimeout(() => form.querySelectorAll("button").forEach((b) => (b.disabled = true)));
    });
  }
  document.documentElement.dataset.ready = "true";
}

start();
