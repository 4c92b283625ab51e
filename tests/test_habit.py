"""The daily habit on each store, with a clock the tests control: one reminder a learner's day
at their time (across a restart and two schedulers on one database), none after a block,
none without decks; the streak with its freeze; "learn 10 more"; /forget drops the schedule."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import habit_texts
from core.actions import Actions
from core.admin import Pacer
from core.habit import (
    BadReminder,
    Goal,
    Habit,
    ReminderNote,
    ReminderSetting,
    Streak,
    parse_reminder,
    streak_of,
)
from core.i18n import translator
from core.reminders import Delivery
from core.srs import Quiz
from core.store import User
from tests.factories import deck
from tests.korean_check import Taught, leaks
from tests.stores import AnyStore, StoreTarget

KST_0800 = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 08:00 on Dec 8 in Seoul


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Outbox:
    """A face's reminder sender: what it was asked to send, and what the platform answers."""

    def __init__(self, answer: Delivery = Delivery.SENT) -> None:
        self.sent: list[tuple[str, int, int]] = []
        self.answer = answer

    async def __call__(self, note: ReminderNote) -> Delivery:
        self.sent.append((note.user.platform_user_id, note.habit.due, note.habit.new))
        return self.answer


async def no_wait(_: float) -> None:
    return None


def actions_on(
    store: AnyStore, clock: Clock, outbox: Outbox, *, daily_new_cards: int | None = None
) -> Actions:
    quiz = Quiz(store, clock=clock, fuzzing=False)
    if daily_new_cards is not None:
        quiz.daily_new_cards = daily_new_cards
    actions = Actions(store=store, runner=None, quiz=quiz)
    actions.admin.pacer = Pacer(30, sleep=no_wait)
    actions.reminders.pacer = actions.admin.pacer
    actions.reminders.senders["test"] = outbox
    return actions


async def learner(
    store: AnyStore, actions: Actions, name: str = "minji", *, decks: int = 1
) -> User:
    user = await actions.learners.user("test", name)
    for i in range(decks):
        await store.save_deck(user.id, deck(video=f"vidAAAAAAA{i}"))
    await actions.habits.set_reminder(user, "08:00 Asia/Seoul")
    return user


async def test_one_reminder_at_eight_in_seoul_across_a_restart(target: StoreTarget) -> None:
    clock, outbox = Clock(KST_0800 - timedelta(minutes=1)), Outbox()
    store = await target.open()
    actions = actions_on(store, clock, outbox)
    await learner(store, actions)
    assert await actions.reminders.tick() == 0  # 07:59 KST
    clock.now = KST_0800
    assert await actions.reminders.tick() == 1
    clock.now += timedelta(minutes=1)
    assert await actions.reminders.tick() == 0
    await store.close()
    store = await target.open()  # the bot restarts at reminder time
    actions = actions_on(store, clock, outbox)
    clock.now += timedelta(minutes=1)
    assert await actions.reminders.tick() == 0
    clock.now = KST_0800 + timedelta(days=1)
    assert await actions.reminders.tick() == 1
    assert outbox.sent == [("minji", 0, 4), ("minji", 0, 4)]
    await store.close()


async def test_two_schedulers_on_one_database_send_once(target: StoreTarget) -> None:
    clock, outbox = Clock(KST_0800), Outbox()
    first, second = await target.open(), await target.open()
    one, two = actions_on(first, clock, outbox), actions_on(second, clock, outbox)
    for i in range(5):
        await learner(first, one, f"learner{i}")
    sent = await asyncio.gather(*(a.reminders.tick() for a in (one, two, one, two)))
    assert sum(sent) == 5 and len(outbox.sent) == 5
    await first.close()
    await second.close()


async def test_a_blocked_learner_gets_none_after_the_first_refusal(store: AnyStore) -> None:
    clock, outbox = Clock(KST_0800), Outbox(Delivery.BLOCKED)
    actions = actions_on(store, clock, outbox)
    user = await learner(store, actions)
    assert await actions.reminders.tick() == 0 and len(outbox.sent) == 1
    assert not (await actions.habits.reminder(user)).on
    registry = actions.metrics.registry
    assert registry.get_sample_value("vocabot_reminders_total", {"result": "blocked"}) == 1
    outbox.answer = Delivery.SENT
    clock.now += timedelta(days=1)
    assert await actions.reminders.tick() == 0 and len(outbox.sent) == 1


async def test_no_decks_or_stopped_or_quiet_means_no_reminder(store: AnyStore) -> None:
    clock, outbox = Clock(KST_0800), Outbox()
    actions = actions_on(store, clock, outbox)
    await learner(store, actions, "nodecks", decks=0)
    stopped = await learner(store, actions, "stopped")
    await actions.habits.stop_reminders(stopped)
    assert await actions.reminders.tick() == 0 and outbox.sent == []
    clock.now += timedelta(hours=3)  # past the send window: a late start sends nothing
    started = await learner(store, actions, "late")
    assert await actions.reminders.tick() == 0
    await actions.habits.set_reminder(started, "evening")
    clock.now = KST_0800 + timedelta(hours=11)  # 19:00 KST
    assert await actions.reminders.tick() == 1


async def test_forget_removes_the_schedule(store: AnyStore) -> None:
    clock, outbox = Clock(KST_0800), Outbox()
    actions = actions_on(store, clock, outbox)
    user = await learner(store, actions)
    await store.forget_user(user.id)
    assert await store.sessions_named("reminder") == []
    assert await actions.reminders.tick() == 0


@pytest.mark.parametrize(
    "typed", ["25:00", "7:61", "soon", "08:00 Mars/Olympus", "23:30", "3am", "8 am pm x", ""]
)
def test_a_wrong_time_or_zone_is_refused(typed: str) -> None:
    with pytest.raises(BadReminder):
        parse_reminder(typed)


def test_times_and_zones_that_are_understood() -> None:
    assert parse_reminder("07:30 asia/seoul") == (450, "Asia/Seoul")
    assert parse_reminder("8pm") == (20 * 60, None)
    assert parse_reminder("morning") == (480, None)
    assert parse_reminder("off") == (None, None)
    assert parse_reminder("저녁") == (19 * 60, None) and parse_reminder("끄기") == (None, None)
    assert parse_reminder("9시") == (9 * 60, None)


def test_the_streak_counts_met_days_and_a_week_earns_a_freeze() -> None:
    today = date(2026, 12, 20)
    week = [today - timedelta(days=d) for d in range(2, 9)]  # 7 days, then yesterday missed
    assert streak_of(week, today).days == 7  # the freeze covers yesterday
    assert streak_of(week, today).freezes == 0
    assert streak_of([*week, today], today) == streak_of([*week, today], today)
    assert streak_of([*week, today], today).days == 8
    six = [today - timedelta(days=d) for d in range(2, 8)]
    assert streak_of(six, today).days == 0  # no freeze earned yet: the streak ended
    assert streak_of([today - timedelta(days=1)], today).days == 1  # today is not over


async def test_goal_and_streak_after_the_days_cards(store: AnyStore) -> None:
    clock = Clock(KST_0800)
    actions = actions_on(store, clock, Outbox(), daily_new_cards=3)
    words = tuple(f"word{i:02d}" for i in range(15))
    user = await actions.learners.user("test", "minji")
    await store.save_deck(user.id, deck(words=words, phrases=()))
    first = await actions.habits.today(user)
    assert (first.goal.done, first.goal.target, first.streak.days) == (0, 3, 0)
    turn = await actions.quiz.next(user)
    while turn.question is not None:
        await actions.quiz.reveal(user, turn.question.id)
        turn = (await actions.quiz.rate(user, turn.question.id, 3)).next or turn
    assert turn.habit is not None and turn.habit.goal.met
    assert (turn.habit.goal.done, turn.habit.streak.days, turn.habit.more_new) == (3, 1, 10)
    assert await actions.habits.learn_more(user) == 10
    habit = await actions.habits.today(user)
    assert (habit.new, habit.goal.met, habit.streak.days) == (10, False, 1)
    assert (await actions.quiz.next(user)).question is not None


async def test_claim_day_is_won_once_per_later_day(store: AnyStore) -> None:
    alice = await store.get_or_create_user("test", "alice", learner_language="ko", level="B1")
    bob = await store.get_or_create_user("test", "bob", learner_language="ko", level="B1")
    day = date(2026, 12, 8)
    assert await store.claim_day(alice.id, "reminded", day)
    assert not await store.claim_day(alice.id, "reminded", day)
    assert await store.claim_day(bob.id, "reminded", day), "each learner's own"
    assert not await store.claim_day(alice.id, "reminded", day - timedelta(days=1))
    assert await store.claim_day(alice.id, "reminded", day + timedelta(days=1))
    assert not await store.claim_day(999_999, "reminded", day), "no such learner"
    claims = await asyncio.gather(
        *(store.claim_day(alice.id, "reminded", day + timedelta(days=2)) for _ in range(6))
    )
    assert sum(claims) == 1


async def test_the_scheduler_loop_survives_a_failing_minute_and_stops_when_told(
    store: AnyStore,
) -> None:
    clock, outbox = Clock(KST_0800), Outbox()
    actions = actions_on(store, clock, outbox)
    await learner(store, actions)
    reminders = actions.reminders
    reminders.interval = 0.0
    real = reminders.tick
    calls = 0
    stop = asyncio.Event()

    async def flaky(now: datetime | None = None) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database away")
        sent = await real(now)
        if calls == 3:
            stop.set()
        return sent

    reminders.tick = flaky  # type: ignore[method-assign]
    await reminders.run(stop)
    assert calls == 3 and len(outbox.sent) == 1


def test_a_korean_learner_reads_the_habit_in_korean_only() -> None:
    tr = translator("ko")
    habit = Habit(Goal(3, 9), Streak(8, 1, False), 4, 2, 30, 1)
    done = Habit(Goal(10, 0), Streak(1, 0, True), 0, 0, 12, 1)
    said = [
        habit_texts.reminder_text(tr, habit),
        habit_texts.quiz_end_text(tr, done),
        habit_texts.learn_more_button(tr, done.more_new),
        habit_texts.remind_status(tr, ReminderSetting("Asia/Seoul", 480)),
        habit_texts.remind_status(tr, ReminderSetting("Asia/Seoul", None)),
        tr(habit_texts.REMIND_ASK),
        tr(habit_texts.REMIND_USAGE),
        tr(habit_texts.REMIND_HELP),
        tr(BadReminder.message),
        *(tr(label) for _, label in habit_texts.CHOICES),
    ]
    nothing = Taught([], [])
    assert [(text, leaks(text, nothing)) for text in said if leaks(text, nothing)] == []
    assert "8일 연속" in said[0] and "복습 4장, 새 카드 2장" in said[0]
    assert "한국 시간" in said[3]
