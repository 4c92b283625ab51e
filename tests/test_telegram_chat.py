"""Defects a new Telegram user hit: links followed by punctuation, a quiz that could not be
left, forged button data, and Bot API 5xx answers. PTB's real HTTP stack against the fake
Bot API, the simulated vLLM over real HTTP, a real SQLite file."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.app import open_app
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.retry import RetryingRateLimiter
from core.srs import Kind
from devtools.fake_telegram import TOKEN, FakeTelegram
from tests.conftest import Sim, Sleeps
from tests.telegram_harness import ALICE, TG, offline_source, settings_for
from tests.test_telegram import PreferCloze


@pytest.fixture
async def bot(sim: Sim, tmp_path: Path, sleeps: Sleeps) -> AsyncIterator[TG]:
    fake = FakeTelegram()
    async with (
        fake.serve() as base_url,
        open_app(settings_for(sim, tmp_path / "tg.sqlite3"), source=offline_source()) as app,
    ):
        adapter = TelegramAdapter(
            app,
            token=TOKEN,
            base_url=base_url,
            edit_interval=0,
            first_edit_delay=0,
            poll_timeout=1,
            rate_limiter=RetryingRateLimiter(sleep=sleeps),
        )
        await adapter.start()
        try:
            yield TG(fake, app, adapter, sim)
        finally:
            await adapter.stop()


async def alice_id(bot: TG) -> int:
    user = await bot.app.store.get_or_create_user(
        "telegram", str(ALICE), learner_language="ko", level="B1"
    )
    return user.id


# -- 13: punctuation after a link ----------------------------------------------------------


async def test_a_link_at_the_end_of_a_sentence_is_found(bot: TG) -> None:
    bot.fake.push_text(ALICE, "Check this out: https://youtu.be/vocabDemo02.")
    page = await bot.final_message(ALICE)
    assert "Words 1–5 of" in page.text


async def test_a_link_with_exclamation_marks_is_found(bot: TG) -> None:
    bot.fake.push_text(ALICE, "https://youtu.be/dQw4w9WgXcQ!!")
    # Not a sample: the recorded YouTube says its captions are off, so the id was found.
    message = await bot.final_message(ALICE, "❌")
    assert "Captions are turned off" in message.plain


# -- 14: leaving a quiz --------------------------------------------------------------------


async def test_a_link_during_a_typed_question_makes_a_deck(bot: TG) -> None:
    bot.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await bot.final_message(ALICE)
    quiz, user_id = bot.app.quiz, await alice_id(bot)
    first = await quiz.next_question(user_id)  # a new word is met by recognition …
    assert first is not None
    await quiz.answer(user_id, first.id, "1")
    await quiz.rate(user_id, first.id, 1)  # … "Again": due in a few minutes
    quiz.clock = lambda: datetime.now(UTC) + timedelta(minutes=11)
    quiz.rng = PreferCloze(3)
    cloze = (await bot.reply_to(ALICE, "/quiz"))[0]
    assert "Reply with the word" in cloze.plain

    replies = await bot.reply_to(ALICE, "and this one: https://youtu.be/vocabDemo01!")
    assert replies[0].plain == texts.WORKING, "the link is a link, not an answer"
    page = await bot.fake.wait_for(  # the deck (its first cards come first, then the deck)
        lambda: next(
            (m for m in bot.fake.sent(ALICE) if "📚" in m.text and "vocabDemo01" in m.text), None
        )
    )
    assert "Words 1–5 of" in page.text
    assert not any("Not quite" in m.plain for m in bot.fake.sent(ALICE))
    question = await quiz.current(user_id)
    assert question is not None and question.kind == Kind.CLOZE, "the question stays open"


async def test_cancel_ends_an_open_quiz(bot: TG) -> None:
    bot.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await bot.final_message(ALICE)
    question = (await bot.reply_to(ALICE, "/quiz"))[0]
    assert "What does" in question.plain

    cancel = (await bot.reply_to(ALICE, "/cancel"))[0]
    assert "Quiz ended" in cancel.plain
    assert "Nothing to cancel" not in cancel.plain
    assert await bot.app.quiz.current(await alice_id(bot)) is None
    # The old question's buttons now say it is over, instead of answering it.
    assert "question is over" in await bot.press(ALICE, question, question.buttons()[0][1])
    again = (await bot.reply_to(ALICE, "/cancel"))[0]
    assert "Nothing to cancel" in again.plain


async def test_cancel_after_an_answer_keeps_the_review(bot: TG) -> None:
    bot.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await bot.final_message(ALICE)
    question = (await bot.reply_to(ALICE, "/quiz"))[0]
    await bot.press(ALICE, question, question.buttons()[0][1])
    assert "How well did you know it?" in question.plain
    cancel = (await bot.reply_to(ALICE, "/cancel"))[0]
    assert "Quiz ended" in cancel.plain
    assert len(await bot.app.store.review_log(await alice_id(bot))) == 1


# -- 15: forged button data ------------------------------------------------------------------

FORGED = [
    f"p|{2**63}|w|0",
    f"p|{2**64}|p|1",
    f"K|{2**63}|w|0",
    f"k|1|{2**63}|0",
    f"k|{2**63}|1|0",
    f"d|{2**63}",
    f"d|{10**30}",
    f"x|{2**63}|csv",
    "x|1|exe",
    "p|-1|w|0",
    "p|1|w|-1",
    "p|٣|w|0",
    "p|1e3|w|0",
    "p| 1|w|0",
    "p|1|w|0|extra",
    "p|1|q|0",
    "qr|deadbeef|9",
    "qr|deadbeef|0",
    "qr|deadbeef|-1",
    "qr|deadbeef|5",
    "qr|deadbeef",
    "qa|deadbeef|0",
    "qa|deadbeef|99",
    "qa|deadbeef|x",
    "qs|",
    "qs|<b>",
    "sl|xx",
    "sv|Z9",
    "sl|" + "a" * 40,
    "zz|1",
    "",
    "|||",
]


async def test_every_malformed_press_gets_the_polite_no_longer_valid_alert(bot: TG) -> None:
    bot.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    page = await bot.final_message(ALICE)
    queries = [bot.fake.push_callback(ALICE, page, data) for data in FORGED]
    await bot.fake.wait_for(lambda: all(q in bot.fake.answered_callbacks for q in queries))
    for data, query in zip(FORGED, queries, strict=True):
        answer = bot.fake.answered_callbacks[query]
        assert answer.get("text") == texts.EXPIRED, data
        assert answer.get("show_alert") is True, data
    assert not any(texts.INTERNAL_ERROR in m.plain for m in bot.fake.sent(ALICE))


async def test_a_forged_rating_of_the_open_question_is_refused_politely(bot: TG) -> None:
    bot.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await bot.final_message(ALICE)
    message = (await bot.reply_to(ALICE, "/quiz"))[0]
    question = await bot.app.quiz.current(await alice_id(bot))
    assert question is not None
    await bot.press(ALICE, message, message.buttons()[0][1])
    for rating in ("9", "0", "-1", "5"):
        answer = await bot.press(ALICE, message, f"qr|{question.id}|{rating}")
        assert answer == texts.EXPIRED, rating
    assert await bot.app.store.review_log(await alice_id(bot)) == []
    assert await bot.press(ALICE, message, message.button("Good")) != texts.EXPIRED
    assert len(await bot.app.store.review_log(await alice_id(bot))) == 1


# -- 16: Bot API 5xx -------------------------------------------------------------------------


async def test_a_reply_survives_two_server_errors(bot: TG, sleeps: Sleeps) -> None:
    bot.fake.error_next("sendMessage", status=502, times=2)
    replies = await bot.reply_to(ALICE, "/help")
    assert "vocabulary deck" in replies[0].text
    assert len(bot.fake.calls_of("sendMessage")) == 3, "two 502s, then the retry that worked"
    assert sleeps.waits == [0.5, 1.0], "backing off between tries"


async def test_a_press_survives_a_server_error_and_a_bad_request_is_not_retried(
    bot: TG, sleeps: Sleeps
) -> None:
    bot.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    page = await bot.final_message(ALICE)
    bot.fake.error_next("editMessageText", status=500)
    bot.fake.error_next("answerCallbackQuery", status=503)
    assert await bot.press(ALICE, page, page.button("▶")) == ""
    assert "Words 6–10 of" in page.text
    # The tab already shown: Telegram's 400 "not modified" is an answer, not a failure.
    edits = len(bot.fake.calls_of("editMessageText"))
    waits = len(sleeps.waits)
    await bot.press(ALICE, page, page.button("Words"))
    await bot.press(ALICE, page, page.button("Words"))
    assert len(bot.fake.calls_of("editMessageText")) <= edits + 2
    assert len(sleeps.waits) == waits
