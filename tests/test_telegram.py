"""The Telegram bot end to end: PTB's real HTTP stack against a local fake Bot API server,
the simulated vLLM over real HTTP, and a real SQLite file."""

import asyncio
import random
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest
from telegram import Update

from bot import habit_texts, texts
from bot.app import open_app
from bot.telegram import links
from bot.telegram.context import Context
from core.srs import Kind
from core.store import Notify
from devtools.fake_telegram import BOT_USERNAME, FakeTelegram, Message
from tests.conftest import Sim
from tests.factories import deck, job, word
from tests.telegram_harness import ALICE, BOB, TG, offline_source, settings_for, start_bot

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")


async def test_link_gets_an_immediate_reply_then_progress_then_page_one(tg: TG) -> None:
    tg.fake.push_text(ALICE, "please https://youtu.be/vocabDemo01?si=x thanks")
    first = await tg.fake.wait_for(lambda: tg.fake.sent(ALICE))
    assert first[0].text == texts.WORKING

    page = await tg.final_message(ALICE)
    assert page.message_id == first[0].message_id, "the progress message becomes the deck"
    edits = [
        c for c in tg.fake.calls_of("editMessageText") if c.params["message_id"] == page.message_id
    ]
    progress = [c.params["text"] for c in edits[:-1]]
    assert any("Explaining words" in t for t in progress)
    assert any("Fetching the captions" in t for t in progress)

    assert "Words 1–5 of" in page.text
    assert '<a href="https://youtu.be/vocabDemo01?t=' in page.text
    assert re.search("[가-힣]", page.text), "meanings are in the learner's language"
    labels = [label for label, _ in page.buttons()]
    assert "▶" in labels and "◀" not in labels and "1/" in " ".join(labels)
    assert any("Words" in lb for lb in labels) and any("Phrases" in lb for lb in labels)
    assert all(len(data.encode()) <= 64 for _, data in page.buttons())
    assert tg.fake.calls_of("setMyCommands"), "commands are registered"


async def test_paging_and_tabs(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    page = await tg.final_message(ALICE)
    await tg.press(ALICE, page, page.button("▶"))
    assert "Words 6–10 of" in page.text
    assert "◀" in [label for label, _ in page.buttons()]
    await tg.press(ALICE, page, page.button("Phrases"))
    assert page.text.count("\n\n") >= 1 and "Phrases" in page.text.split("\n")[1]
    await tg.press(ALICE, page, page.button("Words"))
    assert "Words 1–5 of" in page.text


async def test_another_user_cannot_use_my_buttons(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    page = await tg.final_message(ALICE)
    before = page.text
    answer = await tg.press(BOB, page, page.button("▶"))
    assert answer == texts.NOT_YOURS
    assert page.text == before
    # Forged data naming Alice's deck and card ids does nothing either.
    answer = await tg.press(BOB, page, page.button("✓1"))
    assert answer == texts.NOT_YOURS
    bob = await tg.app.store.get_or_create_user(
        "telegram", str(BOB), learner_language="ko", level="B1"
    )
    assert await tg.app.store.known_words(bob.id) == frozenset()


async def test_i_know_this_word(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    page = await tg.final_message(ALICE)
    answer = await tg.press(ALICE, page, page.button("✓1"))
    assert "is known" in answer
    assert "<s>" in page.text
    alice = await tg.app.store.get_or_create_user(
        "telegram", str(ALICE), learner_language="ko", level="B1"
    )
    assert len(await tg.app.store.known_words(alice.id)) == 1


@pytest.mark.parametrize(
    "text", ["hello", "https://example.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/@chan"]
)
async def test_plain_text_and_non_video_links_get_a_hint(tg: TG, text: str) -> None:
    replies = await tg.reply_to(ALICE, text)
    assert replies[0].plain == texts.NOT_A_LINK
    assert tg.sim.server.calls == []


async def test_a_video_without_captions(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/GJLlxj_dtq8")
    message = await tg.final_message(ALICE, "❌")
    assert "Captions are turned off" in message.text
    assert "Traceback" not in message.text
    assert tg.sim.server.calls == []


async def test_a_failing_llm_gives_a_partial_deck_with_a_notice(tg: TG) -> None:
    tg.sim.config.fault_rules.append(("rats running through mazes", "500"))
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo01")
    page = await tg.final_message(ALICE)
    assert "couldn't process part of the video" in page.text
    assert "Words 1–5 of" in page.text


async def test_llm_down_is_told_plainly(tg: TG) -> None:
    tg.sim.config.fault_rates["500"] = 1.0
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    message = await tg.final_message(ALICE, "❌")
    assert "isn't answering" in message.text


async def test_a_429_from_the_bot_api_is_waited_out(tg: TG) -> None:
    tg.fake.fail_next("sendMessage", retry_after=1)
    replies = await tg.reply_to(ALICE, "/help")
    assert "vocabulary deck" in replies[0].text
    assert len(tg.fake.calls_of("sendMessage")) == 2, "one 429, then the retry"


async def test_two_users_at_once(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo01")
    tg.fake.push_text(BOB, "https://youtu.be/vocabDemo02")
    alice_page, bob_page = await tg.final_message(ALICE), await tg.final_message(BOB)
    assert "vocabDemo01" in alice_page.text and "vocabDemo02" in bob_page.text
    assert alice_page.chat_id == ALICE and bob_page.chat_id == BOB


async def test_old_buttons_work_after_a_restart(sim: Sim, tmp_path: Path) -> None:
    fake = FakeTelegram()
    settings = settings_for(sim, tmp_path / "restart.sqlite3")
    async with fake.serve() as base_url:
        async with open_app(settings, source=offline_source()) as app:
            adapter = await start_bot(fake, base_url, app)
            fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
            page = await TG(fake, app, adapter, sim).final_message(ALICE)
            await adapter.stop()
        async with open_app(settings, source=offline_source()) as app:
            adapter = await start_bot(fake, base_url, app)
            answer = await TG(fake, app, adapter, sim).press(ALICE, page, page.button("▶"))
            assert answer == ""
            assert "Words 6–10 of" in page.text
            await adapter.stop()


async def test_commands(tg: TG) -> None:
    replies = await tg.reply_to(ALICE, "/decks")
    assert replies[0].plain == texts.NO_DECKS

    start = (await tg.reply_to(ALICE, "/start"))[0]
    await tg.press(ALICE, start, start.button("日本語"))
    assert "Japanese" in start.text
    await tg.press(ALICE, start, start.button("C1"))
    assert "C1 advanced" in start.text

    tg.fake.push_text(ALICE, "/vocab https://youtu.be/vocabDemo02")
    page = await tg.final_message(ALICE)
    assert re.search("[ぁ-ん]", page.text), "meanings in the language picked in settings"

    decks = (await tg.reply_to(ALICE, "/decks"))[0]
    assert "Your decks (1)" in decks.text
    await tg.press(ALICE, decks, decks.buttons()[0][1])
    assert "Words 1–5" in decks.text

    known = (await tg.reply_to(ALICE, "/known Barista kettle"))[0]
    assert "“barista”" in known.text

    export = (await tg.reply_to(ALICE, "/export"))[0]
    await tg.press(ALICE, export, export.button("Anki"))
    document = await tg.fake.wait_for(
        lambda: next((m for m in tg.fake.sent(ALICE) if m.document), None)
    )
    name, data = document.document
    assert name.endswith(".apkg")
    assert any(n.startswith("collection") for n in zipfile.ZipFile(BytesIO(data)).namelist())

    cancel = (await tg.reply_to(ALICE, "/cancel"))[0]
    assert "Nothing to cancel" in cancel.text
    help_text = (await tg.reply_to(ALICE, "/help"))[0].text
    assert "/quiz" in help_text and len(help_text) < 4096


async def test_groups_only_when_addressed(tg: TG) -> None:
    group = -500
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02", chat_id=group, chat_type="group")
    tg.fake.push_text(
        ALICE, f"@{BOT_USERNAME} https://youtu.be/vocabDemo02", chat_id=group, chat_type="group"
    )
    page = await tg.final_message(group)
    assert len([m for m in tg.fake.sent(group)]) == 1, "the unaddressed link was ignored"
    assert "Words 1–5" in page.text


class PreferCloze(random.Random):
    """Picks the cloze question whenever it is one of the choices (to test typed answers)."""

    def choice(self, seq: "SupportsLenAndGetItem[T]") -> T:
        for i in range(len(seq)):
            if seq[i] == Kind.CLOZE:
                return seq[i]
        return super().choice(seq)


async def test_quiz_flow(tg: TG) -> None:
    quiz = tg.app.quiz
    empty = (await tg.reply_to(ALICE, "/quiz"))[0]
    assert empty.plain == texts.NO_CARDS

    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await tg.final_message(ALICE)
    message = (await tg.reply_to(ALICE, "/quiz"))[0]
    alice = await tg.app.store.get_or_create_user(
        "telegram", str(ALICE), learner_language="ko", level="B1"
    )
    question = await quiz.current(alice.id)
    assert question is not None and len(message.buttons()) == 4
    assert "What does" in message.plain

    await tg.press(ALICE, message, message.button(question.answer[:60]))
    assert message.plain.startswith("✅ Right!")
    assert "• Good" in [label for label, _ in message.buttons()]
    rating = message.button("Again")
    await tg.press(ALICE, message, rating)
    assert "What does" in message.plain or "Which one" in message.plain, "the next question"
    # Pressed again (a double tap): the review counts once.
    assert "question is over" in await tg.press(ALICE, message, rating)
    assert len(await tg.app.store.review_log(alice.id)) == 1

    # A minute later the word answered "Again" is due; this time it is typed (cloze).
    quiz.clock = lambda: datetime.now(UTC) + timedelta(minutes=11)
    quiz.rng = PreferCloze(3)
    await tg.app.store.put_session(alice.id, "quiz", None)
    cloze = (await tg.reply_to(ALICE, "/quiz"))[0]
    question = await quiz.current(alice.id)
    assert question is not None and question.kind == Kind.CLOZE
    assert "_____" in cloze.plain and "Reply with the word" in cloze.plain
    result = (await tg.reply_to(ALICE, question.answer.upper()))[0]
    assert result.plain.startswith("✅ Right!")

    stats = (await tg.reply_to(ALICE, "/stats"))[0]
    assert "Reviews this week: 1" in stats.plain  # the cloze is not rated yet


async def test_someone_elses_quiz_buttons_do_nothing(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await tg.final_message(ALICE)
    message = (await tg.reply_to(ALICE, "/quiz"))[0]
    before = message.text
    answer = await tg.press(BOB, message, message.buttons()[0][1])
    assert "question is over" in answer
    assert message.text == before


async def test_an_unchanged_page_is_not_an_error(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    page = await tg.final_message(ALICE)
    before = page.text
    # Pressing the tab that is already shown edits to identical content: Telegram answers
    # 400 "message is not modified"; the user just sees the same page, no error message.
    assert await tg.press(ALICE, page, page.button("Words")) == ""
    not_modified = [c for c in tg.fake.calls_of("editMessageText") if c.params["text"] == before]
    assert len(not_modified) >= 2
    assert page.text == before
    assert not any(texts.INTERNAL_ERROR in m.plain for m in tg.fake.sent(ALICE))


async def test_unknown_commands_get_a_pointer_to_help(tg: TG) -> None:
    replies = await tg.reply_to(ALICE, "/frobnicate")
    assert "/help" in replies[0].plain


# -- durable requests: the row before the reply, one job per message, limits -----------------


def replies(tg: TG) -> list[Message]:
    """What Alice was sent about her link: all but the question after a first deck."""
    return [m for m in tg.fake.sent(ALICE) if m.text != habit_texts.REMIND_ASK]


async def test_the_job_is_written_before_the_immediate_reply(tg: TG) -> None:
    held = tg.fake.hold("sendMessage")
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await tg.fake.wait_for(lambda: tg.fake.calls_of("sendMessage"))
    # The user sees "Working…"; the bot has not heard back from Telegram yet.
    alice = await tg.app.store.get_or_create_user(
        "telegram", str(ALICE), learner_language="ko", level="B1"
    )
    jobs = await tg.app.store.user_jobs(alice.id)
    assert len(jobs) == 1 and jobs[0].video_id == "vocabDemo02"
    held.set()
    page = await tg.final_message(ALICE)
    assert len(replies(tg)) == 1, "the reply became the deck"
    assert page.message_id == tg.fake.sent(ALICE)[0].message_id
    assert len(tg.fake.sent(ALICE)) == 2, "and, after a first deck, the reminder question"


async def test_a_message_delivered_twice_gets_one_reply_and_one_deck(
    tg: TG, monkeypatch: pytest.MonkeyPatch
) -> None:
    handled = asyncio.Event()
    start_job = links.start_job

    async def watched(update: Update, context: Context, video_id: str) -> None:
        await start_job(update, context, video_id)
        handled.set()

    monkeypatch.setattr(links, "start_job", watched)
    link = tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await tg.final_message(ALICE)
    handled.clear()
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02", message_id=link)  # again
    await handled.wait()
    assert len(replies(tg)) == 1, "no second 'Working…', no second deck"
    alice = await tg.app.store.get_or_create_user(
        "telegram", str(ALICE), learner_language="ko", level="B1"
    )
    assert len(await tg.app.store.user_jobs(alice.id)) == 1


async def test_a_job_resumed_without_its_reply_gets_a_message_of_its_own(tg: TG) -> None:
    link = 4321  # the user's link: its update was read before the crash, never answered
    alice = await tg.app.store.get_or_create_user(
        "telegram", str(ALICE), learner_language="ko", level="B1"
    )
    await tg.app.store.create_job(
        job(
            alice.id,
            "left-over",
            video="vocabDemo01",
            notify=Notify("telegram", str(ALICE), None, {"reply_to": link}),
            source_key=f"telegram:{ALICE}:{link}",
        )
    )
    assert await tg.app.runner.resume() == 1
    page = await tg.final_message(ALICE)
    assert len(replies(tg)) == 1, "one new message, edited into the deck"
    first = tg.fake.calls_of("sendMessage")[0].params
    assert "I was restarted" in first["text"]
    assert first["reply_parameters"]["message_id"] == link, "it answers the user's link"
    assert page.message_id == tg.fake.sent(ALICE)[0].message_id


async def test_links_sent_at_once_cannot_pass_the_running_limit_together(
    sim: Sim, tmp_path: Path
) -> None:
    fake = FakeTelegram()
    settings = settings_for(sim, tmp_path / "limit.sqlite3").model_copy(
        update={"user_max_running_jobs": 1}
    )
    sim.config.fault_rates["hang"] = 1.0  # the first video keeps running
    async with fake.serve() as base_url, open_app(settings, source=offline_source()) as app:
        adapter = await start_bot(fake, base_url, app)
        try:
            for video in ("vocabDemo01", "vocabDemo02", "vocabDemo01"):
                fake.push_text(ALICE, f"https://youtu.be/{video}")
            await fake.wait_for(lambda: len(fake.sent(ALICE)) == 3)
            texts_seen = sorted(m.plain for m in fake.sent(ALICE))
            assert texts_seen.count(texts.WORKING) == 1
            refusals = [t for t in texts_seen if t.startswith("❌")]
            assert len(refusals) == 2 and all("already have videos" in t for t in refusals)
        finally:
            await app.runner.shutdown(grace=0)
            await adapter.stop()


MEANING_REPEATS = 220  # the old cut at 4,096 fell inside an element


async def test_a_page_longer_than_a_message_is_shown_not_refused(tg: TG) -> None:
    """An LLM's long meanings make a page pass 4,096 characters: it is cut between
    elements, so Telegram (the fake server checks HTML as Telegram does) takes the edit."""
    alice = await tg.app.actions.learners.user("telegram", ALICE)
    words = tuple(
        replace(
            word(f"word{i}"), meaning="뜻 & " * MEANING_REPEATS, sentence="A sentence & more." * 9
        )
        for i in range(5)
    )
    await tg.app.store.save_deck(alice.id, replace(deck(words=()), words=words))
    decks = (await tg.reply_to(ALICE, "/decks"))[0]
    await tg.press(ALICE, decks, decks.buttons()[0][1])
    assert decks.text.startswith("📚") and "Words 1–5" in decks.text, decks.text[:80]
    assert "<b>word0</b>" in decks.text and decks.buttons(), "the page and its buttons"
