"""The daily habit's doors (mixed into Actions): the goal and streak every face shows, "learn
10 more", and the learner's reminder (/remind)."""

from __future__ import annotations

from dataclasses import replace

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
from core.reminders import Reminders
from core.srs import Quiz
from core.store import Store, User


class HabitActions:
    store: Store
    quiz: Quiz
    reminders: Reminders

    async def habit(self, user: User) -> Habit:
        """Today's goal, the streak, and what is left: the same figures in /stats, at the
        end of a quiz, in the reminder and on the study page."""
        due, new, unstudied = await self.quiz.left(user.id)
        done = await self.quiz.done_today(user.id)
        goal = Goal(done, due + new)
        today = (await self.quiz.day_start(user.id)).date()
        met = await met_days(self.store, user.id)
        if goal.met and today not in met:
            await mark_met(self.store, user.id, today)
            met.append(today)
        decks = len(await self.store.list_decks(user.id))
        return Habit(goal, streak_of(met, today), due, new, unstudied, decks)

    async def learn_more(self, user: User) -> int:
        """ "Learn 10 more": today's new-card limit grows by up to 10 (only when nothing is
        left today and unstudied cards wait); how many were added."""
        habit = await self.habit(user)
        more = habit.more_new
        if more:
            today = (await self.quiz.day_start(user.id)).date()
            await add_extra_new(self.store, user.id, today, MORE_NEW)
        return more

    async def reminder(self, user: User) -> ReminderSetting:
        return await reminder_setting(self.store, user)

    async def set_reminder(self, user: User, choice: str) -> ReminderSetting:
        """A preset ("morning", "lunch", "evening", "off") or a typed time with an optional
        time zone ("07:30 Asia/Seoul"); BadReminder for anything else."""
        minute, tz = parse_reminder(choice)
        setting = await reminder_setting(self.store, user)
        setting = replace(setting, minute=minute, tz=tz or setting.tz)
        await save_reminder(self.store, user.id, setting)
        return setting

    async def stop_reminders(self, user: User) -> ReminderSetting:
        """The reminder's one-press "stop reminders" (and /remind off)."""
        setting = replace(await reminder_setting(self.store, user), minute=None)
        await save_reminder(self.store, user.id, setting)
        return setting

    async def asked_reminder(self, user: User) -> bool:
        """True the first time it is asked after the learner's first deck: ask "remind me
        daily?" once (an answer, or "off", is kept like any setting)."""
        if await self.store.get_session(user.id, REMINDER) is not None:
            return False
        if not await self.store.list_decks(user.id):
            return False
        await save_reminder(self.store, user.id, await reminder_setting(self.store, user))
        return True
