"""The study page as a daily place, in headless Chromium: on a phone the rating buttons stay
in view once a card is turned; a video YouTube cannot play is a calm line with its link,
in place, and closes; a sentence is translated once; the server's root opens the page."""

import re

import pytest
from playwright.async_api import Page, Route, expect

from tests.conftest import Sim
from tests.study_harness import PHONE, Study, need_chromium, open_review, ready

need_chromium()
pytestmark = pytest.mark.slow  # a real browser

HANGUL = re.compile("[가-힣]")


def translated_calls(sim: Sim) -> int:
    return sum(1 for c in sim.server.calls if c.task == "sentence_translation")


async def turn_the_card(page: Page) -> None:
    await ready(page)
    await page.locator("#flip").click()
    await expect(page.locator("#back")).to_be_visible()


async def test_on_a_phone_the_rating_bar_stays_in_view_after_a_card_is_turned(
    study: Study,
) -> None:
    await study.chat(["vocabDemo02"])
    page = await study.signed_in(phone=True)
    await open_review(page)
    await turn_the_card(page)
    for value in ("1", "2", "3", "4"):
        await expect(page.locator(f"#ratings button.rate-{value}")).to_be_in_viewport(ratio=1)
    box = await page.locator("#ratings").bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] + 0.5
    # ... also once the learner scrolled to the end of the card
    await page.locator("#back .sentence").scroll_into_view_if_needed()
    await page.mouse.wheel(0, 2000)
    await expect(page.locator("#ratings button.rate-3")).to_be_in_viewport(ratio=1)
    # and nothing of the card hides behind it: its last line can be scrolled above the bar
    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    last = await page.locator("p.hint").bounding_box()
    assert box is not None and last is not None
    bar = await page.locator("#ratings").bounding_box()
    assert bar is not None and last["y"] + last["height"] <= bar["y"] + 1
    await page.locator("#ratings button.rate-3").click()
    await expect(page.locator("#back")).to_be_hidden()


async def test_a_video_that_cannot_play_is_a_calm_line_with_its_link_that_closes(
    study: Study,
) -> None:
    await study.chat(["vocabDemo02"])
    page = await study.signed_in()

    async def refuse(route: Route) -> None:
        await route.abort("internetdisconnected")

    await page.context.route("https://www.youtube-nocookie.com/**", refuse)
    await page.get_by_role("link", name=re.compile("vocabDemo02")).click()
    await ready(page)
    width = await page.evaluate("document.body.getBoundingClientRect().width")
    await page.evaluate("document.querySelector('#player').dataset.timeout = '300'")
    play = page.locator("li.card").first.get_by_role("button", name=re.compile("Play"))
    start = await play.get_attribute("data-start")
    await play.click()
    box = page.locator("#player .unavailable-box")
    await expect(box).to_be_visible()
    await expect(box).to_contain_text("can’t be played here")
    link = box.get_by_role("link")
    await expect(link).to_have_attribute("href", f"https://youtu.be/vocabDemo02?t={start}")
    await expect(page.locator("#player iframe")).to_have_count(0)
    # the page keeps its layout: no second column, no wider page, no grey box
    assert await page.evaluate("document.body.getBoundingClientRect().width") == width
    display = await page.evaluate("getComputedStyle(document.querySelector('.cards-page')).display")
    assert display != "grid"
    await page.locator("#player button.close").click()
    await expect(page.locator("#player")).to_be_hidden()


async def test_a_sentence_is_translated_once_on_the_review_and_the_deck_page(
    study: Study, sim: Sim
) -> None:
    await study.chat(["vocabDemo02"])
    page = await study.signed_in()
    await open_review(page)
    await expect(page.locator(".flashcard .ipa")).to_have_text(re.compile(r"^/.+/$"))
    await turn_the_card(page)
    await page.locator("#back").get_by_role("button", name="🌐 Translate the sentence").click()
    await expect(page.locator("#back .translation")).to_have_text(HANGUL)
    await expect(page.locator("#ratings")).to_be_visible()  # the card is still turned over
    assert translated_calls(sim) == 1

    await page.goto(f"{study.url}/study/")
    await page.get_by_role("link", name=re.compile("vocabDemo02")).click()
    await expect(page.locator("li.card .translation")).to_have_count(1)  # kept with the deck
    assert translated_calls(sim) == 1, "shown from the deck: zero calls"
    untranslated = page.locator("li.card").filter(has=page.locator("form.translate-form"))
    card_id = await untranslated.first.get_attribute("id")
    await untranslated.first.get_by_role("button", name="🌐 Translate the sentence").click()
    await expect(page.locator(f"#{card_id} .translation")).to_have_text(HANGUL)
    assert page.url.endswith(f"#{card_id}"), "back at the card"
    await page.reload()
    await expect(page.locator("li.card .translation")).to_have_count(2)
    assert translated_calls(sim) == 2


async def test_the_servers_root_opens_the_study_page_in_a_browser(study: Study) -> None:
    page = await study.page()
    response = await page.goto(f"{study.url}/")
    assert response is not None and page.url == f"{study.url}/study/"
    assert response.headers["content-type"].startswith("text/html")
    # signed out, the study page says how to sign in (not `{"detail":"Not Found"}`)
    await expect(page.locator("main")).to_contain_text("/web")
