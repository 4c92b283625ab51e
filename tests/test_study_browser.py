"""The study page in a real headless Chromium (Debian's, driven by Playwright) against a real
uvicorn on a loopback port, the console chat on the same App beside it: what a learner does,
and what a stranger is refused. YouTube is never reached: the player's requests are answered
locally, and the test checks what the page asked YouTube for."""

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Page, expect

from core.actions import Clock
from tests.factories import deck
from tests.study_harness import Study, need_chromium, open_review, ready
from tests.test_study import init_data

need_chromium()
pytestmark = pytest.mark.slow  # a real browser


async def queue_of(page: Page) -> tuple[int, int]:
    queue = page.locator("#queue")
    return int(await queue.get_attribute("data-due") or -1), int(
        await queue.get_attribute("data-new") or -1
    )


async def test_sign_in_study_a_deck_and_rate_three_cards_as_the_chat_sees_it(
    study: Study,
) -> None:
    await study.chat(["vocabDemo02"])  # a deck, built in the chat
    page = await study.signed_in()
    await page.get_by_role("link", name=re.compile("vocabDemo02")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("vocabDemo02")
    first_card = page.locator("li.card").first
    await expect(first_card.locator("mark")).to_have_count(1)

    play = first_card.get_by_role("button", name=re.compile("Play the sentence"))
    start, end = await play.get_attribute("data-start"), await play.get_attribute("data-end")
    assert start is not None and end is not None and int(end) > int(start)
    await play.click()
    frame = page.locator("#player iframe")
    await expect(frame).to_have_attribute("src", re.compile(f"start={start}&end={end}"))
    assert study.youtube and f"/embed/vocabDemo02?start={start}&end={end}" in study.youtube[0]

    await open_review(page)
    assert await queue_of(page) == (0, 10)
    for key in ("3", "2", "4"):  # Good, Hard, Easy: none of them due again within seconds
        front = await page.locator("#front").inner_text()
        await expect(page.locator("#back")).to_be_hidden()
        await ready(page)
        await page.keyboard.press("Space")
        await expect(page.locator("#back")).to_be_visible()
        await expect(page.locator("#back")).to_be_focused()
        await page.keyboard.press(key)
        await expect(page.locator("#front")).not_to_have_text(front)
    assert await queue_of(page) == (0, 7)
    await expect(page.locator("#queue")).to_contain_text("New today: 7")

    shown = await page.locator("#front").inner_text()
    chat = await study.chat(["/quiz", "/stats"])
    assert f"What does “{shown}” mean here?" in chat, "/quiz in the chat asks the page's card"
    assert "Reviews this week: 3" in chat


async def test_mark_known_download_an_anki_deck_and_switch_to_korean(study: Study) -> None:
    await study.chat(["vocabDemo02"])
    page = await study.signed_in()
    await page.locator("a.deck").first.click()
    card = page.locator("li.card").first
    word = await card.locator(".front").inner_text()
    await card.get_by_role("button", name=f"I know “{word}”").click()
    card = page.locator("li.card", has=page.locator(".front", has_text=re.compile(f"^{word}$")))
    await expect(card.locator(".badge")).to_have_text("✓ Known")
    user = await study.app.actions.learners.local()
    assert word in await study.app.actions.known.words(user)

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="⬇ Anki (.apkg)").click()
    download = await waiting.value
    assert download.suggested_filename == "vocabDemo02.apkg"
    data = Path(await download.path()).read_bytes()
    assert zipfile.is_zipfile(io.BytesIO(data))

    await page.get_by_role("button", name="한국어").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
    await expect(page.get_by_role("button", name="검색")).to_be_visible()
    await expect(page.get_by_role("link", name="복습")).to_be_visible()
    assert "/study/decks/" in page.url, "the same page, now in Korean"
    chat = await study.chat(["/help"])
    assert "/web  브라우저에서 단어장과 플래시카드 보기" in chat, "the chat speaks Korean now too"


async def test_a_phone_swipes_through_cards(study: Study) -> None:
    await study.chat(["vocabDemo02"])
    page = await study.signed_in(phone=True)
    await open_review(page)
    front = await page.locator("#front").inner_text()
    await ready(page)
    await swipe(page, 0)  # a tap turns the card over
    await expect(page.locator("#back")).to_be_visible()
    await swipe(page, 150)  # right: Good
    await expect(page.locator("#front")).not_to_have_text(front)
    user = await study.app.actions.learners.local()
    assert [e.rating for e in await study.app.store.review_log(user.id)] == [3]


async def swipe(page: Page, dx: int) -> None:
    box = await page.locator("#flashcard").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2 - dx / 2, box["y"] + box["height"] / 2
    await page.evaluate(
        """([x, y, dx]) => {
            const card = document.querySelector('#flashcard');
            const at = (cx) => ({
                changedTouches: [new Touch({identifier: 1, target: card, clientX: cx, clientY: y})],
                bubbles: true,
            });
            card.dispatchEvent(new TouchEvent('touchstart', at(x)));
            card.dispatchEvent(new TouchEvent('touchend', at(x + dx)));
        }""",
        [x, y, dx],
    )


async def test_strangers_are_refused(study: Study) -> None:
    user = await study.app.actions.learners.local()
    await study.app.store.save_deck(user.id, deck(title="Mine"))
    bob = await study.app.actions.learners.user("telegram", 4242)
    bobs = await study.app.store.save_deck(bob.id, deck(video="bobVideo001", title="Bob's deck"))

    forged = await study.page()
    data = init_data(4242, token="654321:another-bot")
    await forged.goto(
        f"{study.url}/study/tg?next=/study/decks/{bobs.id}#tgWebAppData={quote(data)}"
    )
    await expect(forged.locator("#status")).to_contain_text("not valid")
    await forged.goto(f"{study.url}/study/decks/{bobs.id}")
    await expect(forged.locator(".message")).to_contain_text("/web")

    link = await study.web_link()
    study.app.actions.study.clock = Clock(timedelta(minutes=11))  # links last 10 minutes
    expired = await study.page()
    await expired.goto(link)
    await expired.get_by_role("button", name="Sign in").click()
    await expect(expired.locator(".message")).to_contain_text("expired")
    study.app.actions.study.clock = Clock()

    mine = await study.signed_in()
    answer = await mine.goto(f"{study.url}/study/decks/{bobs.id}")
    assert answer is not None and answer.status == 404
    await expect(mine.locator(".message")).to_contain_text("not yours")
    await expect(mine.get_by_text("Bob's deck")).to_have_count(0)


async def test_the_mini_app_signs_in_and_takes_telegrams_colours(study: Study) -> None:
    bob = await study.app.actions.learners.user("telegram", 4242)
    bobs = await study.app.store.save_deck(bob.id, deck(video="bobVideo001", title="Bob's deck"))
    theme = json.dumps({"bg_color": "#17212b", "text_color": "#f5f5f5", "button_color": "#5288c1"})
    fragment = f"tgWebAppData={quote(init_data(4242))}&tgWebAppThemeParams={quote(theme)}"
    page = await study.page()
    await page.goto(f"{study.url}/study/tg?next=/study/decks/{bobs.id}#{fragment}")
    await page.wait_for_url(f"{study.url}/study/decks/{bobs.id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bob's deck")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)", "the page wears the Telegram theme"
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
