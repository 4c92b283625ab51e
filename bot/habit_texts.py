"""What the bot says about the daily habit: the goal and streak line, the reminder, /remind.

Like bot/texts.py, every sentence is a catalog message; faces add their own markup. The
goal and streak come from one value (`Habit`, made by `actions.habits.today`), so /stats, the end
of a quiz, the reminder and the study page say the same figures.
"""

from __future__ import annotations

from core import N_, Habit, ReminderSetting, Translator

REMIND_ASK = N_(
    "Shall I remind you to review every day? Pick a time (you can change it with /remind)."
)
REMIND_USAGE = N_(
    "You can also type a time and a time zone, like “/remind 07:30 Asia/Seoul”, "
    "or stop with “/remind off”."
)
REMIND_HELP = N_("/remind – a daily reminder to review (a time, or off)")
REMIND_OFF = N_("🔕 Reminders are off. /remind turns them on again.")
MORNING = N_("🌅 Morning 08:00")
LUNCH = N_("🍱 Lunch 12:30")
EVENING = N_("🌙 Evening 19:00")
OFF = N_("🔕 Off")
START = N_("▶️ Start")
STOP_REMINDERS = N_("🔕 Stop reminders")
ALL_DONE = N_("🎉 Today's goal is done. See you tomorrow!")
# (preset name, its button label), in the order the buttons show
CHOICES = (("morning", MORNING), ("lunch", LUNCH), ("evening", EVENING), ("off", OFF))


def remind_status(tr: Translator, setting: ReminderSetting) -> str:
    if not setting.on:
        return tr(REMIND_OFF)
    zone = tr("Korea time") if setting.tz == "Asia/Seoul" else setting.tz
    return tr("⏰ I'll remind you every day at {time} ({zone}).", time=setting.hhmm, zone=zone)


def streak_line(tr: Translator, habit: Habit) -> str:
    """🔥 streak · today's goal, as every face shows it."""
    streak = tr.plural("🔥 {n}-day streak", "🔥 {n}-day streak", habit.streak.days)
    goal = tr(
        "🎯 Today: {done}/{target}",
        done=tr.number(habit.goal.done),
        target=tr.number(habit.goal.target),
    )
    line = f"{streak} · {goal}"
    if habit.goal.met:
        line += " ✓"
    if habit.streak.freezes:
        line += " · " + tr("❄️ a freeze saved for a missed day")
    return line


def reminder_text(tr: Translator, habit: Habit) -> str:
    """The daily reminder: what waits, and the streak."""
    if habit.due or habit.new:
        waiting = tr(
            "📚 Time for today's words: {due} to review, {new} new.",
            due=tr.number(habit.due),
            new=tr.number(habit.new),
        )
    else:
        waiting = more_waiting(tr, habit.unstudied)
    return f"{waiting}\n{streak_line(tr, habit)}"


def more_waiting(tr: Translator, unstudied: int) -> str:
    return tr.plural(
        "Today's new cards are done, and {n} more wait in your decks.",
        "Today's new cards are done, and {n} more wait in your decks.",
        unstudied,
    )


def learn_more_button(tr: Translator, n: int) -> str:
    return tr.plural("➕ Learn {n} more", "➕ Learn {n} more", n)


def console_learn_more(tr: Translator, n: int) -> str:
    return tr.plural("Type “/quiz 10” to learn {n} more.", "Type “/quiz 10” to learn {n} more.", n)


def quiz_end_text(tr: Translator, habit: Habit) -> str:
    """What /quiz says when nothing is left: done for today, or more cards to learn."""
    first = more_waiting(tr, habit.unstudied) if habit.more_new else tr(ALL_DONE)
    return f"{first}\n{streak_line(tr, habit)}"
