"""The daily habit: the goal and streak every face shows, "learn 10 more", the learner's
reminder (/remind); and the quiz (/quiz, the study page's flashcards) that counts toward it."""

from __future__ import annotations

from dataclasses import replace

from core import errors
from core.actions._parts import Part, Shared
from core.actions._values import QuizTurn, RateResult
from core.habit import (
    MORE_NEW,
    REMINDER,
    Goal,
    Habit,
    ReminderSetting,
    add_extra_new,
    mark_met,
    met_days,
    parse_reminder,
    reminder_setting,
    save_reminder,
    streak_of,
)
from core.srs import Answer, Question, Stats
from core.store import User


class Habits(Part):
    async def today(self, user: User) -> Habit:
        """Today's goal, the streak, and what is left: the same figures in /stats, at the
        end of a quiz, in the reminder and on the study page."""
        due, new, unstudied = await self._quiz.left(user.id)
        done = await self._quiz.done_today(user.id)
        goal = Goal(done, due + new)
        today = (await self._quiz.day_start(user.id)).date()
        met = await met_days(self._store, user.id)
        if goal.met and today not in met:
            await mark_met(self._store, user.id, today)
            met.append(today)
        decks = len(await self._store.list_decks(user.id))
        return Habit(goal, streak_of(met, today), due, new, unstudied, decks)

    async def learn_more(self, user: User) -> int:
        """ "Learn 10 more": today's new-card limit grows by up to 10 (only when nothing is
        left today and unstudied cards wait); how many were added."""
        habit = await self.today(user)
        more = habit.more_new
        if more:
            today = (await self._quiz.day_start(user.id)).date()
            await add_extra_new(self._store, user.id, today, MORE_NEW)
        return more

    async def reminder(self, user: User) -> ReminderSetting:
        return await reminder_setting(self._store, user)

    async def set_reminder(self, user: User, choice: str) -> ReminderSetting:
        """A preset ("morning", "lunch", "evening", "off") or a typed time with an optional
        time zone ("07:30 Asia/Seoul"); BadReminder for anything else."""
        minute, tz = parse_reminder(choice)
        setting = await reminder_setting(self._store, user)
        setting = replace(setting, minute=minute, tz=tz or setting.tz)
        await save_reminder(self._store, user.id, setting)
        return setting

    async def stop_reminders(self, user: User) -> ReminderSetting:
        """The reminder's one-press "stop reminders" (and /remind off)."""
        setting = replace(await reminder_setting(self._store, user), minute=None)
        await save_reminder(self._store, user.id, setting)
        return setting

    async def asked_reminder(self, user: User) -> bool:
        """True the first time it is asked after the learner's first deck: ask "remind me
        daily?" once (an answer, or "off", is kept like any setting)."""
        if await self._store.get_session(user.id, REMINDER) is not None:
            return False
        if not await self._store.list_decks(user.id):
            return False
        await save_reminder(self._store, user.id, await reminder_setting(self._store, user))
        return True


class QuizActions(Part):
    """/quiz: a question at a time from the learner's due and new cards."""

    def __init__(self, shared: Shared, habits: Habits) -> None:
        super().__init__(shared)
        self._habits = habits

    async def next(self, user: User) -> QuizTurn:
        """The open question again, or the next one; if none, why not."""
        question = await self._quiz.next_question(user.id)
        if question is not None:
            return QuizTurn(question)
        if not await self._store.user_cards(user.id):
            return QuizTurn(None, no_cards=True)
        stats = await self._quiz.stats(user.id)
        return QuizTurn(None, stats=stats, habit=await self._habits.today(user))

    async def current(self, user: User) -> Question | None:
        return await self._quiz.current(user.id)

    async def answer(self, user: User, question_id: str, given: str) -> Answer:
        answer = await self._quiz.answer(user.id, question_id, given)
        if not answer.duplicate:
            self._metrics.quiz_answers.labels("correct" if answer.correct else "wrong").inc()
        return answer

    async def rate(self, user: User, question_id: str, rating: int | None) -> RateResult:
        """Schedule the card; the next turn comes with it unless this was a repeat press."""
        if rating is not None and not 1 <= rating <= 4:
            raise errors.BadSetting(f"rating {rating}")
        rated = await self._quiz.rate(user.id, question_id, rating)
        return RateResult(rated, None if rated.duplicate else await self.next(user))

    async def reveal(self, user: User, question_id: str) -> None:
        """A flashcard turned over: the answer is shown, nothing was typed to check."""
        await self._quiz.reveal(user.id, question_id)

    async def stats(self, user: User) -> Stats:
        return await self._quiz.stats(user.id)
