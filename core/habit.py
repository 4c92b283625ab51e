"""The daily habit's rules: the learner's day (their time zone), the daily goal, the streak
with its freezes, "learn 10 more", and when a reminder is due.

What is kept per learner lives in store sessions (JSON rows keyed by user and name, which
/forget already deletes): `reminder` (time zone, time of day, on/off; the scheduler scans
these), `habit` (days the goal was met) and `extra_new` (today's "learn 10 more").
"Reminded on day D" is `Store.claim_day`, one atomic statement, so restarts and several
processes send once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core import errors
from core.i18n import N_
from core.store import Store, User

REMINDER = "reminder"  # session: {"tz": str, "minute": int | None} (None: reminders off)
HABIT = "habit"  # session: {"met": [iso dates]}
EXTRA = "extra_new"  # session: {"day": iso date, "n": int} (its own row: no lost updates)
REMINDED = "reminded"  # claim_day: the last local day a reminder went out
MORE_NEW = 10  # "learn 10 more"
FREEZE_EVERY = 7  # a week of met days earns a freeze (one missed day covered)
MAX_FREEZES = 1
KEEP_DAYS = 400  # met days kept (a streak longer than this still counts from the rest)
SEND_WINDOW = timedelta(hours=3)  # a process started late still sends today's, once
QUIET_START, QUIET_END = time(22, 0), time(7, 0)  # no reminder in the learner's night
PRESETS = {"morning": 8 * 60, "lunch": 12 * 60 + 30, "evening": 19 * 60}
# What a Korean learner may type for them (and for off): 아침, 점심, 저녁, 끄기
TYPED = {"아침": "morning", "점심": "lunch", "저녁": "evening"}
OFF_WORDS = ("off", "stop", "끄기")
KOREAN_ZONE = "Asia/Seoul"
DEFAULT_ZONE = "UTC"


class BadReminder(errors.VocabotError):
    code = "bad_reminder"
    message = N_(
        "I didn't understand that time. Pick one below, or type it like “/remind 07:30 "
        "Asia/Seoul” (between 07:00 and 22:00)."
    )


def default_zone(user: User) -> str:
    """Korean learners (meanings in Korean, or a Korean interface) live in Asia/Seoul."""
    if user.learner_language == "ko" or user.ui_language == "ko":
        return KOREAN_ZONE
    return DEFAULT_ZONE


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def day_start(now: datetime, tz: str) -> datetime:
    """Midnight of the learner's day, as an aware datetime."""
    local = now.astimezone(zone(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def quiet(minute: int) -> bool:
    at = time(minute // 60, minute % 60)
    return at >= QUIET_START or at < QUIET_END


_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_ZONES: dict[str, str] = {}  # casefolded IANA name -> its name, read once


def _known_zone(text: str) -> str | None:
    if not _ZONES:
        _ZONES.update((z.casefold(), z) for z in available_timezones())
    return _ZONES.get(text.casefold())


def parse_reminder(text: str) -> tuple[int | None, str | None]:
    """ "07:30 Asia/Seoul", "evening", "off", "8pm": (minute of the day or None for off,
    the time zone typed or None). BadReminder for anything else, or a time in quiet hours."""
    words = text.split()
    if not words:
        raise BadReminder("empty")
    first = words[0].lower()
    tz: str | None = None
    if len(words) > 2:
        raise BadReminder(text[:80])
    if len(words) == 2:
        tz = _known_zone(words[1])
        if tz is None:
            raise BadReminder(f"time zone {words[1][:40]!r}")
    if first in OFF_WORDS:
        return None, tz
    first = TYPED.get(first, first)
    if first in PRESETS:
        return PRESETS[first], tz
    match = _TIME.match(first.removesuffix("시"))  # "8시" is 8:00
    if match is None:
        raise BadReminder(text[:80])
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            raise BadReminder(text[:80])
        hour = hour % 12 + (12 if match[3].lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        raise BadReminder(text[:80])
    at = hour * 60 + minute
    if quiet(at):
        raise BadReminder(f"quiet hours {at}")
    return at, tz


@dataclass(frozen=True, slots=True)
class ReminderSetting:
    tz: str
    minute: int | None  # None: reminders off

    @property
    def on(self) -> bool:
        return self.minute is not None

    @property
    def hhmm(self) -> str:
        return "" if self.minute is None else f"{self.minute // 60:02d}:{self.minute % 60:02d}"

    def due_day(self, now: datetime) -> date | None:
        """The learner's local day whose reminder is due at `now` (its time passed less than
        SEND_WINDOW ago, outside quiet hours), or None."""
        if self.minute is None:
            return None
        local = now.astimezone(zone(self.tz))
        at = local.replace(hour=self.minute // 60, minute=self.minute % 60, second=0, microsecond=0)
        if not at <= local < at + SEND_WINDOW or quiet(local.hour * 60 + local.minute):
            return None
        return local.date()


def setting_of(data: dict[str, Any] | None, user: User) -> ReminderSetting:
    data = data or {}
    minute = data.get("minute")
    return ReminderSetting(
        str(data.get("tz") or default_zone(user)), int(minute) if minute is not None else None
    )


async def reminder_setting(store: Store, user: User) -> ReminderSetting:
    return setting_of(await store.get_session(user.id, REMINDER), user)


async def save_reminder(store: Store, user_id: int, setting: ReminderSetting) -> None:
    await store.put_session(user_id, REMINDER, {"tz": setting.tz, "minute": setting.minute})


async def learner_zone(store: Store, user_id: int) -> str:
    data = await store.get_session(user_id, REMINDER)
    if data and data.get("tz"):
        return str(data["tz"])
    user = await store.get_user(user_id)
    return default_zone(user) if user else DEFAULT_ZONE


# -- the streak ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Streak:
    days: int  # days the goal was met in a row (a frozen day keeps it, adds nothing)
    freezes: int  # missed days it can still cover
    met_today: bool


def streak_of(met: Iterable[date], today: date) -> Streak:
    """Walk the days from the first met one to today: a met day adds one, and every
    FREEZE_EVERY-th day in a row earns a freeze (at most MAX_FREEZES held); a missed day
    spends a freeze, or ends the streak. Today, not yet met, ends nothing."""
    days = sorted(d for d in set(met) if d <= today)
    if not days:
        return Streak(0, 0, False)
    met_set = set(days)
    streak = freezes = 0
    day = days[0]
    while day <= today:
        if day in met_set:
            streak += 1
            if streak % FREEZE_EVERY == 0:
                freezes = min(MAX_FREEZES, freezes + 1)
        elif day != today:
            if freezes:
                freezes -= 1
            else:
                streak = 0
        day += timedelta(days=1)
    return Streak(streak, freezes, today in met_set)


async def met_days(store: Store, user_id: int) -> list[date]:
    data = await store.get_session(user_id, HABIT) or {}
    return [date.fromisoformat(d) for d in data.get("met", [])]


async def mark_met(store: Store, user_id: int, day: date) -> None:
    data = await store.get_session(user_id, HABIT) or {}
    met = set(data.get("met", []))
    if day.isoformat() in met:
        return
    met.add(day.isoformat())
    data["met"] = sorted(met)[-KEEP_DAYS:]
    await store.put_session(user_id, HABIT, data)


async def extra_new(store: Store, user_id: int, day: date) -> int:
    """New cards the learner asked for today past the daily limit ("learn 10 more")."""
    extra = await store.get_session(user_id, EXTRA) or {}
    return int(extra.get("n", 0)) if extra.get("day") == day.isoformat() else 0


async def add_extra_new(store: Store, user_id: int, day: date, n: int) -> None:
    added = await extra_new(store, user_id, day) + n
    await store.put_session(user_id, EXTRA, {"day": day.isoformat(), "n": added})


@dataclass(frozen=True, slots=True)
class Goal:
    """Today's goal: every due review and the day's new cards. `done` counts today's
    answers; the goal is met once nothing due or new is left and something was done."""

    done: int
    left: int  # reviews due now + new cards still to meet today

    @property
    def target(self) -> int:
        return self.done + self.left

    @property
    def met(self) -> bool:
        return self.done > 0 and self.left == 0


@dataclass(frozen=True, slots=True)
class Habit:
    """What every face shows of the daily habit, computed once by `actions.habits.today`."""

    goal: Goal
    streak: Streak
    due: int
    new: int  # new cards still to meet today
    unstudied: int  # cards never reviewed (past today's limit too): "learn 10 more"
    decks: int

    @property
    def more_new(self) -> int:
        """What "learn N more" offers now: nothing left today, but unstudied cards wait."""
        return min(MORE_NEW, self.unstudied) if self.due == 0 and self.new == 0 else 0


@dataclass(frozen=True, slots=True)
class ReminderNote:
    """One reminder, for a face to word and send."""

    user: User
    habit: Habit
