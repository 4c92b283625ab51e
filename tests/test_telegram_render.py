"""Telegram rendering and throttling, without a network."""

import asyncio
import re
from datetime import UTC, datetime

from bot.telegram.callback_data import decode, encode
from bot.telegram.keyboards import page_keyboard
from bot.telegram.render import page_html, split_html
from bot.throttle import ThrottledEditor
from core.i18n import translator
from core.models import Phrase, Word
from core.store import Card, DeckInfo
from devtools.telegram_wire import html_problem
from tests.factories import deck_page

ENGLISH = translator("en")


def info(words: int = 40, phrases: int = 3) -> DeckInfo:
    return DeckInfo(
        id=123456789,
        user_id=1,
        video_id="dQw4w9WgXcQ",
        title="<script>alert(1)</script> & friends",
        learner_language="ko",
        level="B1",
        words=words,
        phrases=phrases,
        missing=(),
        created_at=datetime.now(UTC),
    )


def huge_card(i: int) -> Card:
    word = Word(
        lemma=f"<b>word{i}</b>",
        pos="n",
        meaning="뜻 " * 200,
        sentence="<a href='x'>click</a> & " * 200,
        start=3725.0,
        zipf=3.0,
        video_id="dQw4w9WgXcQ",
    )
    return Card(id=10**9 + i, deck_id=123456789, kind="word", item=word)


def test_pages_stay_under_telegrams_limits_and_escape_everything() -> None:
    cards = [huge_card(i) for i in range(40)]
    text = page_html(ENGLISH, deck_page(info(), cards, "word", 3))
    assert len(text) <= 4096
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<b>word15</b>" not in text and "&lt;b&gt;word15&lt;/b&gt;" in text
    assert "click</a>" not in text
    assert "?t=3725" in text and "1:02:05" in text
    keyboard = page_keyboard(ENGLISH, deck_page(info(), cards, "word", 3))
    for row in keyboard.inline_keyboard:
        for button in row:
            assert isinstance(button.callback_data, str)
            assert len(button.callback_data.encode()) <= 64


def test_callback_data_round_trips_and_rejects_garbage() -> None:
    press = decode(encode("p", 123456789, "p", 7))
    assert press is not None and (press.deck_id, press.kind, press.page) == (123456789, "phrase", 7)
    know = decode(encode("k", 5, 99, 2))
    assert know is not None and (know.deck_id, know.card_id, know.page) == (5, 99, 2)
    for garbage in ["", "p|x|w|1", "p|1|z|1", "x|1|exe", "zz|1", "k|1"]:
        assert decode(garbage) is None


def test_phrase_pages_and_empty_tabs() -> None:
    phrase = Phrase("figure out", "알아내다", "They figured it out.", 12.0, "dQw4w9WgXcQ")
    cards = [Card(1, 123456789, "phrase", phrase)]
    assert "figure out" in page_html(ENGLISH, deck_page(info(), cards, "phrase", 0))
    assert "No phrases in this video." in page_html(ENGLISH, deck_page(info(), [], "phrase", 0))


def test_split_text_keeps_every_character_under_the_limit() -> None:
    text = "\n".join(f"line {i} " + "x" * (i % 50) for i in range(2000)) + "\n" + "y" * 9000
    pieces = split_html(text, 4096)
    assert all(len(p) <= 4096 for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


async def test_throttled_editor_sends_first_and_latest_only() -> None:
    sent: list[str] = []
    now = [0.0]
    flushed = asyncio.Event()

    async def send(text: str) -> None:
        sent.append(text)
        if text == "step 9":
            flushed.set()

    editor = ThrottledEditor(send, interval=0.01, clock=lambda: now[0])
    assert editor.last_time is not None and editor.last_time < 0
    for i in range(10):
        await editor.update(f"step {i}")
    await editor.update("step 9")
    assert sent == ["step 0"]
    now[0] = 1.0  # the interval has passed: the pending latest text goes out
    await flushed.wait()
    assert sent == ["step 0", "step 9"]
    final: list[str] = []

    async def send_final() -> None:
        final.append("done")

    await editor.finish(send_final)
    assert final == ["done"]


async def test_a_job_that_finishes_at_once_is_shown_in_one_edit() -> None:
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    editor = ThrottledEditor(send, interval=1.5, first_delay=0.5)
    await editor.update("💾 Saving your deck…")
    final: list[str] = []

    async def send_final() -> None:
        final.append("page 1")

    await editor.finish(send_final)
    assert sent == [] and final == ["page 1"], "no progress edit, no wait before the result"


async def test_a_delayed_edit_on_its_way_never_lands_after_the_final_state() -> None:
    """The bench's 50-job run left a chat on its progress line: a delayed edit already
    being sent when the job ended arrived after the deck and overwrote it."""
    shown: list[str] = []
    in_flight, release = asyncio.Event(), asyncio.Event()

    async def send(text: str) -> None:
        in_flight.set()
        await release.wait()  # Telegram is slow to answer this edit
        shown.append(text)

    editor = ThrottledEditor(send, interval=0.01, first_delay=0.005)
    await editor.update("🧠 Explaining words 1/9")  # too soon after the reply: a delayed edit
    await in_flight.wait()  # the delayed edit is on its way

    async def send_final() -> None:
        shown.append("📚 page 1")

    finishing = asyncio.create_task(editor.finish(send_final))
    await editor.update("🧠 Explaining words 2/9")  # late progress after the end: dropped
    release.set()
    await finishing
    assert shown == ["🧠 Explaining words 1/9", "📚 page 1"]


def long_page(meaning_length: int) -> str:
    """A page of five cards whose meanings (an LLM's, unbounded) make it pass 4,096."""
    cards = [
        Card(
            i,
            123456789,
            "word",
            Word(f"word{i}", "n", "뜻 & " * (meaning_length // 4), "A sentence & more." * 9,
                 i * 10.0, 0.0, "dQw4w9WgXcQ"),
        )
        for i in range(1, 6)
    ]  # fmt: skip
    return page_html(ENGLISH, deck_page(info(), cards, "word", 0))


def test_a_long_page_is_cut_between_elements_never_inside_one() -> None:
    """Telegram refuses a message that ends inside <i> or &amp; (the fake server too)."""
    refused = [n for n in range(600, 1000, 7) if html_problem(long_page(n))]
    assert refused == [], f"{len(refused)} of 58 pages refused"
    page = long_page(900)
    assert page.startswith("📚") and "1. <b>word1</b>" in page


def test_long_html_is_split_into_well_formed_pieces_that_keep_the_text() -> None:
    text = "\n".join(
        f'<b>line {i}</b> <i>{"x &amp; " * (i % 40)}<a href="https://e.x/{i}">{i}</a></i>'
        for i in range(400)
    )
    text += "\n<i>" + "y &lt; " * 2000 + "</i>"  # one element longer than a message
    pieces = split_html(text, 4096)
    assert len(pieces) > 3
    assert [p for p in pieces if html_problem(p)] == []
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    strip = re.compile(r"<[^>]+>|\n")
    assert strip.sub("", "".join(pieces)) == strip.sub("", text), "no character lost"
