"""The daily habit in Telegram, against the fake Bot API: /remind, the reminder with its
Start and one-press Stop, a 403 that turns reminders off, the goal and streak in /stats and
at the end of the quiz with "learn 10 more"."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bot import habit_texts
from bot.telegram.habit import ReminderSender
from core.store import User
from devtools.fake_telegram import Message
from tests.conftest import Sim
from tests.factories import deck
from tests.telegram_harness import ALICE, TG
from tests.test_study import HOST, Site, csrf_of, site_on

KST_0800 = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 08:00 on Dec 8 in Seoul


def buttons(message: Message) -> list[str]:
    markup = message.reply_markup or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def alice_with_a_deck(tg: TG, words: int = 3) -> User:
    actions = tg.app.actions
    user = await actions.learners.user("telegram", ALICE)
    names = tuple(f"word{i:02d}" for i in range(words))
    await tg.app.store.save_deck(user.id, deck(words=names, phrases=()))
    return user


async def test_remind_offers_choices_and_a_wrong_time_gets_one_sentence(tg: TG) -> None:
    shown = await tg.reply_to(ALICE, "/remind")
    assert "rm|morning" in buttons(shown[-1]) and "rm|off" in buttons(shown[-1])
    refused = await tg.reply_to(ALICE, "/remind 25:99 Mars/Base")
    assert len(refused) == 1 and "I didn't understand that time" in refused[0].text
    assert "rm|evening" in buttons(refused[0])  # the choices again
    said = await tg.press(ALICE, refused[0], "rm|evening")
    assert said == "Saved ✓"
    assert "19:00" in tg.fake.sent(ALICE)[-1].text
    typed = await tg.reply_to(ALICE, "/remind 07:30 Europe/Berlin")
    assert "07:30 (Europe/Berlin)" in typed[-1].text


async def test_one_reminder_a_day_with_start_and_a_one_press_stop(tg: TG) -> None:
    user = await alice_with_a_deck(tg)
    await tg.app.actions.habits.set_reminder(user, "08:00 Asia/Seoul")
    reminders = tg.app.actions.reminders
    assert await reminders.tick(KST_0800 - timedelta(minutes=1)) == 0
    assert await reminders.tick(KST_0800) == 1
    assert await reminders.tick(KST_0800 + timedelta(minutes=5)) == 0
    reminder = tg.fake.sent(ALICE)[-1]
    assert "3 new" in reminder.text and "streak" in reminder.text
    assert buttons(reminder) == ["qn", "rm|off"]
    await tg.press(ALICE, reminder, "qn")
    assert "mean" in tg.fake.sent(ALICE)[-1].text  # the reminder became the first question
    stop = await tg.reply_to(ALICE, "/remind")
    await tg.press(ALICE, stop[-1], "rm|off")  # one press
    assert "Reminders are off" in tg.fake.sent(ALICE)[-1].text
    count = len(tg.fake.sent(ALICE))
    assert await reminders.tick(KST_0800 + timedelta(days=1)) == 0
    assert len(tg.fake.sent(ALICE)) == count


async def test_a_learner_who_blocked_the_bot_gets_none_after_the_first_403(tg: TG) -> None:
    user = await alice_with_a_deck(tg)
    await tg.app.actions.habits.set_reminder(user, "08:00 Asia/Seoul")
    tg.fake.error_next("sendMessage", 403)
    assert await tg.app.actions.reminders.tick(KST_0800) == 0
    assert not (await tg.app.actions.habits.reminder(user)).on
    calls = len(tg.fake.calls_of("sendMessage"))
    assert await tg.app.actions.reminders.tick(KST_0800 + timedelta(days=1)) == 0
    assert len(tg.fake.calls_of("sendMessage")) == calls


async def test_goal_and_streak_agree_in_stats_the_quiz_end_and_the_reminder(tg: TG) -> None:
    user = await alice_with_a_deck(tg, words=14)
    actions = tg.app.actions
    turn = await actions.quiz.next(user)
    while turn.question is not None:  # the day's 10 new cards
        await actions.quiz.reveal(user, turn.question.id)
        turn = (await actions.quiz.rate(user, turn.question.id, 3)).next or turn
    habit = await actions.habits.today(user)
    line = habit_texts.streak_line(tr := actions.learners.translator(user), habit)
    assert "1-day streak" in line and "10/10" in line
    end = await tg.reply_to(ALICE, "/quiz")
    assert line in end[-1].text and "4 more wait" in end[-1].text
    assert buttons(end[-1]) == ["lm"]
    stats = await tg.reply_to(ALICE, "/stats")
    assert line in stats[-1].text
    assert line in habit_texts.reminder_text(tr, habit)
    await tg.press(ALICE, end[-1], "lm")  # learn 4 more: the quiz goes on
    pressed = tg.fake.messages[(ALICE, end[-1].message_id)]
    assert "mean" in pressed.text and "lm" not in buttons(pressed)


async def test_after_the_first_deck_one_question_about_reminders(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo01")
    await tg.final_message(ALICE)
    asked = [m for m in tg.fake.sent(ALICE) if m.text == habit_texts.REMIND_ASK]
    assert len(asked) == 1 and buttons(asked[0]) == [
        "rm|morning", "rm|lunch", "rm|evening", "rm|off",
    ]  # fmt: skip
    await tg.press(ALICE, asked[0], "rm|morning")
    assert "08:00" in tg.fake.messages[(ALICE, asked[0].message_id)].text
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await tg.fake.wait_for(lambda: sum("📚" in m.text for m in tg.fake.sent(ALICE)) == 2)
    assert len(tg.fake.sent(ALICE)) == 3, "two decks and one question, never asked again"


async def test_the_study_page_shows_the_same_goal_and_offers_learn_more(
    sim: Sim, tmp_path: Path
) -> None:
    async with site_on(sim, tmp_path / "study.sqlite3") as (app, api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url=HOST) as client:
            site = Site(app, client)
            alice = await site.learner("alice")
            await app.store.save_deck(alice.id, deck(words=tuple(f"w{i:02d}" for i in range(14))))
            await site.sign_in(alice)
            turn = await app.actions.quiz.next(alice)
            while turn.question is not None:
                await app.actions.quiz.reveal(alice, turn.question.id)
                turn = (await app.actions.quiz.rate(alice, turn.question.id, 3)).next or turn
            line = habit_texts.streak_line(
                app.actions.learners.translator(alice), await app.actions.habits.today(alice)
            )
            review = (await client.get("/study/review")).text
            assert html.escape(line) in review and 'id="learn-more"' in review
            assert "Nothing to review" not in review
            home = (await client.get("/study/")).text
            assert html.escape(line) in home
            more = await client.post("/study/review/more", data={"csrf": csrf_of(review)})
            assert more.status_code == 303
            after = (await client.get("/study/review")).text
            assert 'id="front">' in after and "New today: 5" in after


async def test_with_a_mini_app_the_reminder_also_opens_the_study_page(tg: TG) -> None:
    user = await alice_with_a_deck(tg)
    await tg.app.actions.habits.set_reminder(user, "08:00 Asia/Seoul")
    settings = tg.app.settings.model_copy(update={"web_app_url": "https://study.example"})
    sender = ReminderSender(tg.adapter.application.bot, settings)
    tg.app.actions.reminders.senders["telegram"] = sender
    assert await tg.app.actions.reminders.tick(KST_0800) == 1
    rows = (tg.fake.sent(ALICE)[-1].reply_markup or {})["inline_keyboard"]
    study = rows[-1][0]["web_app"]["url"]
    assert study.startswith("https://study.example/study/tg?next=") and "review" in study
