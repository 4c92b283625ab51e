"""What the bot says, in plain text, shared by every face (Telegram, Discord, console).

Every sentence is a catalog message (core.i18n): constants are marked with `N_` and
translated where they are shown (`tr(texts.WORKING)`), functions take the user's
translator. Faces add their own markup (Telegram HTML, Discord markdown, rich in the
terminal); nothing here is formatted for one platform.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core import (
    LANGUAGE_SELF_NAMES,
    LEVELS,
    N_,
    Gap,
    JobUpdate,
    Kind,
    Progress,
    Question,
    Stage,
    Stats,
    Translator,
    error_message,
    part_of_speech,
)

LEVEL_NAMES = {
    "A1": N_("A1 beginner"),
    "A2": N_("A2 elementary"),
    "B1": N_("B1 intermediate"),
    "B2": N_("B2 upper-intermediate"),
    "C1": N_("C1 advanced"),
    "C2": N_("C2 proficient"),
}
assert set(LEVEL_NAMES) == set(LEVELS)
RATINGS = ((1, N_("Again")), (2, N_("Hard")), (3, N_("Good")), (4, N_("Easy")))
# A learner language named in itself, as its speakers write it (settings buttons).
LEARNER_LANGUAGE_SELF_NAMES = {
    "ko": "한국어",
    "ja": "日本語",
    "zh": "中文",
    "es": "Español",
    "fr": "Français",
    "de": "Deutsch",
    "pt": "Português",
    "ru": "Русский",
    "vi": "Tiếng Việt",
    "en": "English",
}

WORKING = N_("⏳ Got it! Working on your video…")
NOT_A_LINK = N_(
    "Send me a YouTube link and I'll make you a vocabulary deck from it. "
    "For example: https://youtu.be/dQw4w9WgXcQ"
)
UNKNOWN_COMMAND = N_("I don't know that command. /help lists what I can do.")
INTERNAL_ERROR = N_("Something went wrong on my side. Please try again in a minute.")
NO_DECKS = N_("You have no decks yet. Send me a YouTube link to make one.")
NOT_YOURS = N_("These buttons belong to someone else. Send me a link to get your own deck.")
EXPIRED = N_("This button is no longer valid. Send the link again to get a fresh deck.")
SIMULATED = N_(
    "🧪 Test mode: these meanings come from a simulated language model. They are "
    "placeholders, not translations."
)
NOTHING_DUE = N_(
    "🎉 Nothing to review right now. Come back later, or send me a video for new words."
)
NO_CARDS = N_("You have no saved words yet. Send me a YouTube link to make your first deck.")
SAVED = N_("Saved ✓")
ALREADY_ANSWERED = N_("Already answered.")
ALREADY_RATED = N_("Already saved ✓")
PREPARING_FILE = N_("Preparing your file…")
HOW_WELL = N_("How well did you know it?")
WORDS = N_("Words")
PHRASES = N_("Phrases")
KNOW_ALL = N_("✓ I know all of these")
SHOW_ANSWER = N_("🤷 Show the answer")
TYPE_THE_WORD = N_("Reply with the word.")
STUDY = N_("📖 Study")
NO_WORDS = N_("No words in this deck.")
NO_PHRASES = N_("No phrases in this video.")
TRANSLATE = N_("🌐 Translate the sentence")
TRANSLATING = N_("🌐 Translating the sentence…")
SIMULATED_TRANSLATION = N_(
    "🧪 Test mode: this translation comes from a simulated language model. It is a "
    "placeholder, not a translation."
)
WEB_HELP = N_("/web  your decks and flashcards in a browser (a sign-in link)")

HELP_TITLE = N_("vocabot turns a YouTube video into a vocabulary deck.")
HELP = N_(
    "• Send a YouTube link (or /vocab <link> in groups), or a subtitle file (.srt, .vtt, "
    ".txt). I'll pick the words and phrases worth learning at your level, explain each one "
    "as it's used in the video, and link to the second it's said.\n"
    "• ◀ ▶ flip pages, Words | Phrases switch lists, ✓ marks a word as known (it leaves "
    "future decks and quizzes), 🌐 translates a card's sentence from the video.\n"
    "\n"
    "/decks – your decks\n"
    "/quiz – review your words (spaced repetition)\n"
    "/stats – your progress\n"
    "/known <word> – never show me this word again\n"
    "/settings – languages and level\n"
    "/export – download a deck for Anki (.apkg) or as CSV\n"
    "/cancel – stop the video I'm working on, or the quiz"
)
START = N_(
    "Hi! I make vocabulary decks from YouTube videos.\n\n"
    "First, which language should I explain words in?"
)


def language_name(tr: Translator, code: str) -> str:
    """A learner language's name in the interface language ("Japanese", "일본어"), without
    its code: a Korean learner reads 일본어, not "일본어 (ja)"."""
    return str(tr.locale.languages.get(code) or learner_language_self_name(code))


def pos_name(tr: Translator, pos: str) -> str:
    """A part of speech in the interface language ("noun", "명사"); "" for none."""
    return part_of_speech(tr, pos)


def learner_language_self_name(code: str) -> str:
    return LEARNER_LANGUAGE_SELF_NAMES.get(code, code)


def empty_tab(tr: Translator, kind: str) -> str:
    """What an empty Words or Phrases tab says."""
    return tr(NO_PHRASES if kind == "phrase" else NO_WORDS)


def deck_counts(tr: Translator, words: int, phrases: int) -> str:
    return tr("{words} words, {phrases} phrases", words=words, phrases=phrases)


def level_name(tr: Translator, level: str) -> str:
    return tr(LEVEL_NAMES[level]) if level in LEVEL_NAMES else level


def rating_name(tr: Translator, value: int) -> str:
    return tr(dict(RATINGS)[value])


def settings_lines(
    tr: Translator,
    learner_language: str,
    level: str,
    interface_language: str,
    deck_size: int | None = None,
) -> tuple[tuple[tuple[str, str], ...], str]:
    """((label, value) pairs of the learner's settings, the note under them)."""
    pairs: tuple[tuple[str, str], ...] = (
        (tr("Meanings in"), language_name(tr, learner_language)),
        (tr("Your level"), level_name(tr, level)),
        (tr("Bot language"), LANGUAGE_SELF_NAMES.get(interface_language, interface_language)),
    )
    if deck_size is not None:
        pairs += ((tr(DECK_SIZE), deck_size_name(tr, deck_size)),)
    return pairs, tr(
        "Words more common than your level are skipped. Meanings are in the first language; "
        "I talk to you in the bot language. Change any of them below."
    )


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_text(tr: Translator, progress: Progress) -> str:
    """A live progress message: one line, under a restart notice when the job was picked
    up again after a restart (the notice stays until the deck replaces it)."""
    line = _stage_line(tr, progress)
    if progress.detail != "resumed" or progress.stage.finished:
        return line
    if progress.reused:
        notice = tr(
            "🔄 I was restarted; {done}/{total} parts were already done.",
            done=progress.reused,
            total=progress.total,
        )
    else:
        notice = tr("🔄 I was restarted; picking your video up again.")
    return f"{notice}\n{line}"


_STAGE_LINES = {
    Stage.TRANSCRIPT: N_("📜 Fetching the captions…"),
    Stage.ANALYSING: N_("🔎 Picking the words worth learning…"),
    Stage.SAVING: N_("💾 Saving your deck…"),
    Stage.DONE: N_("✅ Done!"),
    Stage.CANCELLED: N_("⏹ Cancelled."),
    Stage.FAILED: N_("❌ Failed."),
}


def _stage_line(tr: Translator, progress: Progress) -> str:
    if progress.stage == Stage.QUEUED:
        if progress.queue_position > 0:
            return tr.plural(
                "🕒 Waiting in line: {n} video ahead of you…",
                "🕒 Waiting in line: {n} videos ahead of you…",
                progress.queue_position,
            )
        return tr("🕒 Waiting for a free slot: you're next…")
    if progress.stage == Stage.EXTRACTING:
        if not progress.total:
            return tr("🧠 Explaining words…")
        filled = round(10 * progress.done / progress.total)
        bar = "▰" * filled + "▱" * (10 - filled)
        return tr(
            "🧠 Explaining words {bar} {done}/{total}",
            bar=bar,
            done=progress.done,
            total=progress.total,
        )
    return tr(_STAGE_LINES[progress.stage])


def first_cards_line(tr: Translator, progress: Progress) -> str:
    """That these are a deck's first cards and more are coming, with the words found so far."""
    return tr.plural(
        "✨ Your first cards: {n} word found so far, more are coming…",
        "✨ Your first cards: {n} words found so far, more are coming…",
        progress.found,
    )


def building_page_head(tr: Translator, progress: Progress) -> str:
    """Above the first page of a deck still being built: that more cards are coming, how
    many words are found so far, and the progress (the counts keep updating; a restart
    notice stays with it, as with any progress)."""
    return f"{first_cards_line(tr, progress)}\n{progress_text(tr, progress)}"


def when(tr: Translator, moment: datetime) -> str:
    """A due date in words, relative to now ("in 3 days", "3일 후")."""
    return tr.relative(moment, datetime.now(UTC))


def partial_notice(tr: Translator, missing: tuple[Gap, ...]) -> str:
    spans = ", ".join(f"{clock(g.start)}–{clock(g.end)}" for g in missing)
    return tr(
        "⚠️ I couldn't process part of the video ({spans}); the words from there are "
        "missing. Send the link again later to try those parts again.",
        spans=spans,
    )


def failure_text(tr: Translator, update: JobUpdate) -> str:
    error = update.error
    return f"❌ {error_message(error, tr) if error is not None else tr(INTERNAL_ERROR)}"


def stats_text(tr: Translator, stats: Stats) -> str:
    retention = tr.percent(stats.retention) if stats.retention is not None else "–"
    lines = [
        tr("📊 Your progress"),
        tr(
            "Words and phrases: {cards} ({new} not started)",
            cards=tr.number(stats.cards),
            new=tr.number(stats.new_available),
        ),
        tr("Due today: {n}", n=tr.number(stats.due_today)),
        tr("Learned: {n}", n=tr.number(stats.learned)),
        tr("Reviews this week: {n}", n=tr.number(stats.reviews_this_week)),
        tr("Remembered (30 days): {percent}", percent=retention),
    ]
    return "\n".join(lines)


def cancel_text(tr: Translator, videos: int, quiz_ended: bool) -> str:
    """The answer to /cancel: what it stopped, or that there was nothing to stop."""
    done = []
    if videos:
        done.append(tr.plural("⏹ Cancelled {n} video.", "⏹ Cancelled {n} videos.", videos))
    if quiz_ended:
        done.append(tr("⏹ Quiz ended; your answers are saved. /quiz starts again."))
    return " ".join(done) or tr("Nothing to cancel: no video of yours in progress, no quiz open.")


def question_prompt(tr: Translator, question: Question) -> str:
    """The question's line in the learner's interface language (the store keeps its data)."""
    if question.kind == Kind.CLOZE:
        return tr("Type the missing word:")
    if not question.front:  # a question asked before prompts were translated
        return question.prompt
    if question.kind == Kind.REVERSE:
        return tr("Which one means “{meaning}”?", meaning=question.meaning)
    return tr("What does “{word}” mean here?", word=question.front)


def known_text(tr: Translator, words: tuple[str, ...], added: int) -> str:
    shown = ", ".join(f"“{w}”" for w in words)
    return tr("✓ Got it: I'll skip {words} from now on ({added} new).", words=shown, added=added)


def decks_title(tr: Translator, count: int) -> str:
    return tr("📚 Your decks ({n}):", n=tr.number(count))


def page_range(tr: Translator, kind_label: str, first: int, last: int, total: int) -> str:
    return tr(
        "{kind} {first}–{last} of {total}", kind=kind_label, first=first, last=last, total=total
    )


def cards_count(tr: Translator, n: int) -> str:
    return tr.plural("{n} card", "{n} cards", n)


def web_link_text(tr: Translator, minutes: int, url: str) -> str:
    """/web's answer: the personal sign-in link to the study page."""
    return tr.plural(
        "Your study page is one tap away. This link signs you in once, within {n} minute; "
        "keep it to yourself.\n{url}",
        "Your study page is one tap away. This link signs you in once, within {n} minutes; "
        "keep it to yourself.\n{url}",
        minutes,
        url=url,
    )


# -- a deck's shown part and "More words"; deck size and level settings (issue 24) ---------

DECK_SIZE = N_("Cards first")
MORE_WORDS = N_("➕ More words")
MORE_PHRASES = N_("➕ More phrases")
SETTINGS_BY_TEXT = N_(
    "Or type it: /settings level toeic 650 (or B2, or csat 2), /settings size 20."
)


def deck_size_name(tr: Translator, size: int) -> str:
    """How many cards of a deck come first ("30 cards")."""
    return cards_count(tr, size)


def more_button(tr: Translator, kind: str, more: int) -> str:
    """The More button of a tab: "➕ More words (44)"."""
    return f"{tr(MORE_WORDS if kind == 'word' else MORE_PHRASES)} ({more})"


def shown_line(tr: Translator, kind: str, shown: int, total: int) -> str:
    """'20 of 64 words, 44 more': a tab's shown part, and what More adds ("" when none)."""
    more = total - shown
    if more <= 0:
        return ""
    if kind == "word":
        return tr.plural(
            "{shown} of {total} words, {n} more",
            "{shown} of {total} words, {n} more",
            more,
            shown=shown,
            total=total,
        )
    return tr.plural(
        "{shown} of {total} phrases, {n} more",
        "{shown} of {total} phrases, {n} more",
        more,
        shown=shown,
        total=total,
    )


def more_hint(tr: Translator, shown: int, more: int) -> str:
    """What /next says at the end of the shown part (the console)."""
    return tr.plural(
        "That's the end of the first {shown}. Send /more for {n} more.",
        "That's the end of the first {shown}. Send /more for {n} more.",
        more,
        shown=shown,
    )
