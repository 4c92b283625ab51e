"""What the bot says, in plain text, shared by every face (Telegram, Discord, console).

Faces add their own markup (Telegram HTML, Discord markdown, rich in the terminal) when
they draw these; nothing here is formatted for one platform.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.jobs import JobUpdate
from core.models import Gap, Progress, Stage
from core.prompts import LANGUAGE_NAMES
from core.selection import LEVELS
from core.srs import Stats

LEARNER_LANGUAGES = ("ko", "ja", "zh", "es", "fr", "de", "pt", "ru", "vi", "en")
LEVEL_NAMES = {
    "A1": "A1 beginner",
    "A2": "A2 elementary",
    "B1": "B1 intermediate",
    "B2": "B2 upper-intermediate",
    "C1": "C1 advanced",
    "C2": "C2 proficient",
}
assert set(LEVEL_NAMES) == set(LEVELS)

WORKING = "⏳ Got it! Working on your video…"
NOT_A_LINK = (
    "Send me a YouTube link and I'll make you a vocabulary deck from it. "
    "For example: https://youtu.be/dQw4w9WgXcQ"
)
INTERNAL_ERROR = "Something went wrong on my side. Please try again in a minute."
NO_DECKS = "You have no decks yet. Send me a YouTube link to make one."
NOT_YOURS = "These buttons belong to someone else. Send me a link to get your own deck."
EXPIRED = "This button is no longer valid. Send the link again to get a fresh deck."
SIMULATED = (
    "🧪 Test mode: these meanings come from a simulated language model. They are "
    "placeholders, not translations."
)

HELP_TITLE = "vocabot turns a YouTube video into a vocabulary deck."
HELP = """\
• Send a YouTube link (or /vocab <link> in groups). I'll pick the words and phrases \
worth learning at your level, explain each one as it's used in the video, and link to \
the second it's said.
• ◀ ▶ flip pages, Words | Phrases switch lists, ✓ marks a word as known (it leaves \
future decks and quizzes).

/decks – your decks
/quiz – review your words (spaced repetition)
/stats – your progress
/known <word> – never show me this word again
/settings – your language and level
/export – download a deck for Anki (.apkg) or as CSV
/cancel – stop the video I'm working on, or the quiz"""

START = (
    "Hi! I make vocabulary decks from YouTube videos.\n\n"
    "First, which language should I explain words in?"
)


def language_label(code: str) -> str:
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


def settings_lines(learner_language: str, level: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """((label, value) pairs of the learner's settings, the note under them)."""
    return (
        ("Meanings in", language_label(learner_language)),
        ("Your level", LEVEL_NAMES.get(level, level)),
    ), "Words more common than your level are skipped. Change either below."


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_text(progress: Progress) -> str:
    """A live progress message: one line, under a restart notice when the job was picked
    up again after a restart (the notice stays until the deck replaces it)."""
    line = _stage_line(progress)
    if progress.detail != "resumed" or progress.stage.finished:
        return line
    if progress.reused:
        notice = f"🔄 I was restarted; {progress.reused}/{progress.total} parts were already done."
    else:
        notice = "🔄 I was restarted; picking your video up again."
    return f"{notice}\n{line}"


def _stage_line(progress: Progress) -> str:
    stage = progress.stage
    if stage == Stage.QUEUED:
        if progress.queue_position > 0:
            n = progress.queue_position
            return f"🕒 Waiting in line: {n} video{'s' if n != 1 else ''} ahead of you…"
        return "🕒 Waiting for a free slot: you're next…"
    if stage == Stage.TRANSCRIPT:
        return "📜 Fetching the captions…"
    if stage == Stage.ANALYSING:
        return "🔎 Picking the words worth learning…"
    if stage == Stage.EXTRACTING:
        if progress.total:
            filled = round(10 * progress.done / progress.total)
            bar = "▰" * filled + "▱" * (10 - filled)
            return f"🧠 Explaining words {bar} {progress.done}/{progress.total}"
        return "🧠 Explaining words…"
    if stage == Stage.SAVING:
        return "💾 Saving your deck…"
    if stage == Stage.DONE:
        return "✅ Done!"
    if stage == Stage.CANCELLED:
        return "⏹ Cancelled."
    return "❌ Failed."


def when(moment: datetime) -> str:
    """A due date in words, relative to now."""
    seconds = (moment - datetime.now(UTC)).total_seconds()
    if seconds < 3600:
        return f"in {max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"in {round(seconds / 3600)} h"
    return f"in {round(seconds / 86400)} days"


def partial_notice(missing: tuple[Gap, ...]) -> str:
    spans = ", ".join(f"{clock(g.start)}–{clock(g.end)}" for g in missing)
    return (
        f"⚠️ I couldn't process part of the video ({spans}); the words from there are "
        "missing. Send the link again later to try those parts again."
    )


def failure_text(update: JobUpdate) -> str:
    if update.error is not None:
        return f"❌ {update.error.user_message}"
    return f"❌ {INTERNAL_ERROR}"


NOTHING_DUE = "🎉 Nothing to review right now. Come back later, or send me a video for new words."
NO_CARDS = "You have no saved words yet. Send me a YouTube link to make your first deck."
RATINGS = ((1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy"))


def stats_text(stats: Stats) -> str:
    retention = f"{stats.retention:.0%}" if stats.retention is not None else "–"
    return (
        "📊 Your progress\n"
        f"Words and phrases: {stats.cards} ({stats.new_available} not started)\n"
        f"Due today: {stats.due_today}\n"
        f"Learned: {stats.learned}\n"
        f"Reviews this week: {stats.reviews_this_week}\n"
        f"Remembered (30 days): {retention}"
    )


def cancel_text(videos: int, quiz_ended: bool) -> str:
    """The answer to /cancel: what it stopped, or that there was nothing to stop."""
    done = []
    if videos:
        done.append(f"⏹ Cancelled {videos} video{'s' if videos != 1 else ''}.")
    if quiz_ended:
        done.append("⏹ Quiz ended; your answers are saved. /quiz starts again.")
    return " ".join(done) or "Nothing to cancel: no video of yours in progress, no quiz open."
