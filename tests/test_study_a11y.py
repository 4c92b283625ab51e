"""The study page is accessible, checked in a real headless Chromium (Debian's, through
Playwright; the `study` fixture of tests/study_harness.py) on every page a learner sees: the
decks, a deck (Words, Phrases, a search), a flashcard's front and back, the sign-in link's
page and the Mini App's, in English and Korean, in the light and dark themes and in
Telegram's own colours (day and night). On each page:

1. every control (a, button, input, select, textarea, [tabindex]) has an accessible name, as
   Chromium's accessibility tree computes it (the same name a screen reader says);
2. every img has alt, <html lang> is the page's language, there is one h1 and one <main>,
   every form field has a label;
3. (review page) Tab from the top reaches the controls in order (show the answer, then
   Again, Hard, Good, Easy), each showing a focus ring that differs from its look unfocused
   and stands out from what is behind it (3:1);
4. every visible piece of text has WCAG 2.x contrast against what is behind it: 4.5:1, or
   3:1 for large text (24 px, or 18.66 px bold), computed in the page from the computed
   colours (walking up to the first opaque background, opacity included);
5. the review page's keys (Space, 1-4) do nothing while the learner types in a text field.

Failures list every offender with the page, so one run says everything to fix."""

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import Page, expect

from tests.study_harness import Study, need_chromium, ready

need_chromium()
pytestmark = pytest.mark.slow  # a real browser

# Telegram's own theme parameters, as its apps send them to a Mini App (Telegram Desktop).
TELEGRAM_NIGHT = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
}
TELEGRAM_DAY = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#999999",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3",
}
THEMES: dict[str, dict[str, str] | None] = {
    "light": None,
    "dark": None,
    "telegram-night": TELEGRAM_NIGHT,
    "telegram-day": TELEGRAM_DAY,
}
LOCALES = {"en": "en-US", "ko": "ko-KR"}

INTERACTIVE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]"

# Colours in the page, composited as the browser paints them: a colour over its element's
# background, that over its parent's, up to the first opaque one, each element's opacity
# fading everything it paints into what is behind it. WCAG 2.x relative luminance and ratio.
COLOURS_JS = r"""
  const parse = (css) => {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {  // source-over, straight alpha
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const c = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [c(0), c(1), c(2), a];
  };
  // What `color`, painted inside `el` above its own background, is on the screen.
  const painted = (el, color) => {
    let c = color;
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      c = over(c, parse(style.backgroundColor));
      c = [c[0], c[1], c[2], c[3] * Number(style.opacity)];
    }
    return over(c, [255, 255, 255, 1]);  // the canvas
  };
  const luminance = ([r, g, b]) => {
    const f = (v) => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const hex = (c) => "#" + c.slice(0, 3)
    .map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
"""

# Checks 2 and 4, in the page.
AUDIT_JS = (
    r"""
(lang) => {
"""
    + COLOURS_JS
    + r"""
  const problems = { structure: [], contrast: [] };
  const describe = (el) => {
    const tag = el.outerHTML.slice(0, el.outerHTML.indexOf(">") + 1).replace(/\s+/g, " ");
    return tag.length > 120 ? tag.slice(0, 117) + "...>" : tag;
  };

  // -- structure -----------------------------------------------------------------------
  for (const img of document.querySelectorAll("img:not([alt])")) {
    problems.structure.push(`img without alt: ${describe(img)}`);
  }
  const htmlLang = document.documentElement.getAttribute("lang");
  if (htmlLang !== lang) problems.structure.push(`<html lang="${htmlLang}">, the page is ${lang}`);
  const h1s = document.querySelectorAll("h1").length;
  if (h1s !== 1) problems.structure.push(`${h1s} h1 elements, not one`);
  const mains = document.querySelectorAll("main, [role=main]").length;
  if (mains !== 1) problems.structure.push(`${mains} <main> landmarks, not one`);
  const fields = "input:not([type=hidden]):not([type=submit]):not([type=button])"
    + ":not([type=reset]):not([type=image]), select, textarea";
  for (const field of document.querySelectorAll(fields)) {
    const labelled = [...field.labels].some((l) => l.textContent.trim())
      || (field.getAttribute("aria-label") || "").trim()
      || (field.getAttribute("aria-labelledby") || "").split(/\s+/)
        .some((id) => id && document.getElementById(id)?.textContent.trim());
    if (!labelled) problems.structure.push(`form field without a label: ${describe(field)}`);
  }

  // -- contrast: every element with text of its own that is rendered ---------------------
  const hasText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
    || (el.matches("input:not([type=hidden]), textarea, select") && el.value);
  for (const el of document.body.querySelectorAll("*")) {
    if (!hasText(el) || el.matches(":disabled")) continue;  // WCAG exempts disabled controls
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    const fg = painted(el, parse(style.color));
    const bg = painted(el, [0, 0, 0, 0]);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    const got = ratio(fg, bg);
    if (got < needed) {
      const text = (el.matches("input, textarea, select") ? el.value : el.textContent)
        .trim().replace(/\s+/g, " ").slice(0, 40);
      problems.contrast.push(
        `${got.toFixed(2)} < ${needed}: “${text}” ${hex(fg)} on ${hex(bg)} (${describe(el)})`
      );
    }
  }
  return problems;
}
"""
)


@dataclass
class Visit:
    page: Page
    language: str
    theme: str
    found: dict[str, list[str]]

    async def check(self, name: str) -> None:
        """Checks 1, 2 and 4 on the page as it is now; what fails is kept under `name`."""
        await ready(self.page)
        problems: dict[str, list[str]] = await self.page.evaluate(AUDIT_JS, self.language)
        found = [f"no accessible name: {html}" for html in await unnamed(self.page)]
        found += problems["structure"] + problems["contrast"]
        if found:
            self.found[name] = found

    def report(self) -> str:
        return "\n".join(
            f"{self.language}/{self.theme} {page}:\n  " + "\n  ".join(problems)
            for page, problems in self.found.items()
        )


async def unnamed(page: Page) -> list[str]:
    """The controls whose accessible name, as Chromium's accessibility tree has it, is empty
    (a control the page does not render is skipped: it is checked where it shows)."""
    cdp = await page.context.new_cdp_session(page)
    try:
        await cdp.send("DOM.enable")
        await cdp.send("Accessibility.enable")
        root = (await cdp.send("DOM.getDocument", {"depth": 0}))["root"]["nodeId"]
        found = await cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": INTERACTIVE})
        offenders = []
        for node_id in found["nodeIds"]:
            tree = await cdp.send(
                "Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False}
            )
            node: dict[str, Any] = tree["nodes"][0]
            if node.get("ignored"):
                continue
            if not str(node.get("name", {}).get("value", "")).strip():
                html = (await cdp.send("DOM.getOuterHTML", {"nodeId": node_id}))["outerHTML"]
                offenders.append(re.sub(r"\s+", " ", html[: html.index(">") + 1])[:120])
        return offenders
    finally:
        await cdp.detach()


async def learner_page(study: Study, language: str, theme: str) -> Page:
    """A browser in `language` and `theme`; the local learner's interface language too."""
    user = await study.app.actions.learners.local()
    await study.app.actions.learners.update_settings(user, interface_language=language)
    return await study.page(
        locale=LOCALES[language], color_scheme="dark" if theme == "dark" else "light"
    )


async def open_mini_app(study: Study, page: Page, theme: str) -> None:
    """The Mini App's first page as Telegram opens it, with its theme (when it sends one) and
    without initData: the page stays, telling the learner to open it from Telegram."""
    colours = THEMES[theme]
    fragment = f"#tgWebAppThemeParams={quote(json.dumps(colours))}" if colours else ""
    await page.goto(f"{study.url}/study/tg{fragment}")
    await expect(page.locator("#status")).to_have_attribute("role", "status")
    await expect(page.locator("#status")).not_to_have_text("")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("language", LOCALES)
async def test_every_page_has_names_labels_landmarks_and_contrast(
    study: Study, language: str, theme: str
) -> None:
    await study.chat(["vocabDemo02"])  # a deck, built in the chat
    page = await learner_page(study, language, theme)
    visit = Visit(page, language, theme, {})

    await open_mini_app(study, page, theme)  # Telegram's theme stays for the whole visit
    await visit.check("mini app sign-in")
    await page.goto(await study.web_link())
    await visit.check("sign-in link")
    await page.locator("form button").click()
    await page.wait_for_url(f"{study.url}/study/")
    await visit.check("decks")

    await page.locator("a.deck").first.click()
    word = await page.locator("li.card .front").first.inner_text()
    await page.locator("li.card .known-form button").first.click()  # a known card looks paler
    await expect(page.locator("li.card.known .badge")).to_have_count(1)
    await visit.check("deck, words (one known)")
    await page.locator("nav.tabs a").nth(1).click()
    await expect(page.locator("nav.tabs a").nth(1)).to_have_attribute("aria-current", "page")
    await visit.check("deck, phrases")
    await page.locator("nav.tabs a").first.click()
    await expect(page.locator("nav.tabs a").first).to_have_attribute("aria-current", "page")
    await page.get_by_role("searchbox").fill(word)
    await page.get_by_role("searchbox").press("Enter")
    await expect(page.get_by_role("searchbox")).to_have_value(word)
    await visit.check("deck, a search")
    await page.get_by_role("searchbox").fill("zzzz")
    await page.get_by_role("searchbox").press("Enter")
    await expect(page.locator("li.empty")).to_be_visible()
    await visit.check("deck, a search that finds nothing")

    await page.goto(f"{study.url}/study/review")
    await expect(page.locator("#flip")).to_be_visible()
    await visit.check("review, the card's front")
    await ready(page)
    await page.keyboard.press("Space")
    await expect(page.locator("#ratings")).to_be_visible()
    await visit.check("review, the card turned over")
    await page.locator("#back button.play").click()
    await expect(page.locator("#player iframe")).to_be_attached()
    await visit.check("review, the clip playing")

    if visit.found:
        pytest.fail("accessibility problems:\n" + visit.report(), pytrace=False)


# Check 3: each Tab stop's look focused and unfocused, and its focus ring's contrast against
# what is behind the ring (its parent's background: the ring sits outside the element).
TAB_JS = r"""
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  window.__stops = window.__stops || [];
  window.__stops.push(el);
  const name = (el.getAttribute("aria-label") || el.textContent).trim().replace(/\s+/g, " ");
  const tag = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  return { name, tag, key: el.dataset.key || null, look: window.__look(el) };
}
"""
LOOK_JS = (
    r"""
() => {
"""
    + COLOURS_JS
    + r"""
  window.__look = (el) => {
    const s = getComputedStyle(el);
    const ring = painted(el.parentElement, parse(s.outlineColor));
    return {
      outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
      shadow: s.boxShadow,
      // Chromium's own ring ("auto") is two-tone, seen on any background
      auto: s.outlineStyle === "auto",
      ring: !["none", "auto"].includes(s.outlineStyle) && parseFloat(s.outlineWidth) >= 2,
      ringContrast: ratio(ring, painted(el.parentElement, [0, 0, 0, 0])),
    };
  };
}
"""
)


async def tab(page: Page) -> dict[str, Any] | None:
    await page.keyboard.press("Tab")
    stop: dict[str, Any] | None = await page.evaluate(TAB_JS)
    return stop


def focus_problems(stops: list[dict[str, Any]], unfocused: list[dict[str, Any]]) -> list[str]:
    """A focused stop must look different (outline or shadow), with a ring of 2 px or more
    (or Chromium's own) or a shadow, and a ring of our colour must stand out 3:1."""
    problems = []
    for stop, before in zip(stops, unfocused, strict=True):
        look = stop["look"]
        where = f"{stop['tag']} “{stop['name']}”"
        if (look["outline"], look["shadow"]) == (before["outline"], before["shadow"]):
            problems.append(f"{where}: looks the same focused and not ({look['outline']})")
        elif look["ring"] and look["ringContrast"] < 3:
            problems.append(
                f"{where}: focus ring {look['outline']} has {look['ringContrast']:.2f}:1 "
                "against the page behind it (needs 3:1)"
            )
        elif not (look["ring"] or look["auto"]) and look["shadow"] == before["shadow"]:
            problems.append(f"{where}: no visible focus ring ({look['outline']})")
    return problems


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("language", LOCALES)
async def test_tab_reaches_the_flashcard_controls_in_order_with_a_visible_focus(
    study: Study, language: str, theme: str
) -> None:
    await study.chat(["vocabDemo02"])
    page = await learner_page(study, language, theme)
    await open_mini_app(study, page, theme)
    await page.goto(await study.web_link())
    await page.locator("form button").click()
    await page.wait_for_url(f"{study.url}/study/")
    await page.goto(f"{study.url}/study/review")
    await ready(page)
    await page.evaluate(LOOK_JS)

    stops = []
    while (stop := await tab(page)) is not None and stop["tag"] != "a#flip.button.primary.flip":
        stops.append(stop)
        assert len(stops) < 20, f"Tab never reaches “show the answer”: {stops}"
    assert stop is not None, f"Tab left the page before “show the answer”: {stops}"
    header = [s["tag"] for s in stops]
    assert header[:2] == ["a.skip", "a.brand"], f"the skip link comes first: {header}"
    assert [s["tag"] for s in stops[2:]] == ["a", "a", "button", "button"], (
        f"then the menu (decks, review) and the languages, then the card: {header}"
    )
    stops.append(stop)

    await page.keyboard.press("Enter")  # on “show the answer”: the card turns over
    await expect(page.locator("#ratings")).to_be_visible()
    await expect(page.locator("#back")).to_be_focused()
    after = []
    while (stop := await tab(page)) is not None and stop["tag"] != "button.link":
        after.append(stop)
        assert len(after) < 10, f"Tab never reaches “sign out”: {after}"
    assert stop is not None, f"Tab left the page before “sign out”: {after}"
    assert [s["tag"] for s in after[:2]] == ["button.play", "button"], f"the clip first: {after}"
    assert "🌐" in after[1]["name"], f"then “translate the sentence”: {after[1]['name']}"
    assert [s["key"] for s in after[2:]] == ["1", "2", "3", "4"], (
        f"then Again, Hard, Good, Easy: {[s['name'] for s in after]}"
    )
    stops += [*after, stop]

    await page.evaluate("document.activeElement.blur()")
    unfocused = await page.evaluate("window.__stops.map((el) => window.__look(el))")
    problems = focus_problems(stops, unfocused)
    if problems:
        pytest.fail(f"{language}/{theme}: focus not visible:\n  " + "\n  ".join(problems), False)


# Check 5: three kinds of text field put into the review page, and every form it submits
# recorded (and held while `__hold` is set, so a wrong rating is seen before a page loads).
FIELDS_JS = """() => {
    const box = document.createElement("div");
    box.innerHTML = '<label>Note <input id="note"></label>'
        + '<label>Longer <textarea id="longer"></textarea></label>'
        + '<div id="editable" contenteditable="true" aria-label="Edit"></div>';
    document.querySelector("main").append(box);
    window.__submitted = [];
    window.__hold = true;
    document.addEventListener("submit", (event) => {
        window.__submitted.push(event.submitter ? event.submitter.value : "?");
        if (window.__hold) event.preventDefault();
    }, true);
}"""


async def test_the_review_keys_do_nothing_while_the_learner_types(study: Study) -> None:
    """The review page has no text field of its own; one a browser extension or a later
    version puts there must get every key, and the card must not move."""
    await study.chat(["vocabDemo02"])
    page = await study.signed_in()
    await page.goto(f"{study.url}/study/review")
    await ready(page)
    front = await page.locator("#front").inner_text()
    await page.evaluate(FIELDS_JS)
    card = page.locator("#flashcard")
    for field in ("#note", "#longer", "#editable"):
        await page.locator(field).focus()
        await page.keyboard.press("End")
        await page.keyboard.type(" 1 ")  # Space (or 1) would turn the card over
        await expect(card, f"typing in {field} turned the card").to_have_attribute(
            "data-flipped", "false"
        )
    await page.locator("#flip").click()
    await expect(page.locator("#ratings")).to_be_visible()
    for field in ("#note", "#longer", "#editable"):
        await page.locator(field).focus()
        await page.keyboard.press("End")
        await page.keyboard.type("1234")  # 1-4 would rate the card
        submitted = await page.evaluate("window.__submitted")
        assert submitted == [], f"typing in {field} rated the card: {submitted}"
    await expect(page.locator("#note")).to_have_value(" 1 1234")
    await expect(page.locator("#longer")).to_have_value(" 1 1234")
    await expect(page.locator("#editable")).to_have_text(re.compile(r"^\s*1\s*1234$"))

    await page.evaluate("window.__hold = false; document.activeElement.blur()")
    await page.keyboard.press("3")  # outside the fields the keys work: Good
    await expect(page.locator("#front")).not_to_have_text(front)
    user = await study.app.actions.learners.local()
    assert [e.rating for e in await study.app.store.review_log(user.id)] == [3]
