"""Errors a user can be told about, each with the sentence a user reads.

Faces catch `VocabotError` and tell the user `core.actions.error_message(exc, tr)`: the class's
`message` (a catalog message id, with `params` filled in) in the user's interface language.
Anything that is not a `VocabotError` is a bug: faces answer with `InternalError.message`
and log the traceback. `user_message` is the English sentence (logs, the operator's CLI).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from core.i18n import N_


class VocabotError(Exception):
    """Base of every error a learner may be told about."""

    code: ClassVar[str] = "error"
    message: ClassVar[str] = N_("Something went wrong on my side. Please try again in a minute.")
    # What the bot's operator can do about it (server settings): for the log and /admin,
    # never in the learner's sentence.
    operator_hint: ClassVar[str] = ""

    def __init__(self, detail: str = "", *, user_message: str | None = None, **params: Any) -> None:
        super().__init__(detail or self.message)
        self.detail = detail
        self.params = params  # fills the message's {placeholders}
        self._user_message = user_message  # an operator's sentence, used as it is

    @property
    def user_message(self) -> str:
        if self._user_message:
            return self._user_message
        return self.message.format(**self.params) if self.params else self.message

    @property
    def custom(self) -> str | None:
        """A sentence made for this one error (not in the catalogs), if any."""
        return self._user_message


class InternalError(VocabotError):
    code = "internal"


class NotAVideoLink(VocabotError):
    code = "not_a_video_link"
    message = N_(
        "That doesn't look like a YouTube video link. "
        "Send me a link like https://youtu.be/dQw4w9WgXcQ"
    )


class InvalidVideoId(VocabotError):
    code = "invalid_video_id"
    message = N_("YouTube says that video id doesn't exist. Please check the link.")


class VideoUnavailable(VocabotError):
    code = "video_unavailable"
    message = N_("That video is unavailable (private, removed or blocked in this region).")


class AgeRestricted(VocabotError):
    code = "age_restricted"
    message = N_("That video is age-restricted, so I can't read its captions.")


class CaptionsDisabled(VocabotError):
    code = "captions_disabled"
    message = N_("Captions are turned off for that video, so there is nothing for me to read.")


class NoCaptions(VocabotError):
    code = "no_captions"
    message = N_("That video has no captions in a language I can use.")


class YouTubeBlocked(VocabotError):
    code = "youtube_blocked"
    message = N_(
        "YouTube is blocking me right now, so I can't fetch the captions. Send me the "
        "video's subtitle file (.srt, .vtt or .txt) instead, with the video's link as its "
        "caption, and I'll make the deck from it."
    )
    operator_hint = "YouTube blocks this server's address: set YOUTUBE_PROXY_URL to a proxy."


class YouTubeFailed(VocabotError):
    """YouTube answered, but not with something usable (a 5xx, a page we can't read)."""

    code = "youtube_failed"
    message = N_("YouTube didn't answer properly. Please try again in a few minutes.")


class YouTubeUnreachable(YouTubeFailed):
    """No connection at all: no network, DNS can't resolve YouTube, connection refused."""

    code = "youtube_unreachable"
    message = N_(
        "I can't get captions from YouTube right now. Send me the video's subtitle file "
        "(.srt, .vtt or .txt) and I'll make the deck from it."
    )
    operator_hint = (
        "no connection to YouTube (no network, or its address can't be resolved): fix the "
        "network, set YOUTUBE_PROXY_URL, or put subtitle files in TRANSCRIPTS_DIR."
    )


class YouTubeTimeout(YouTubeFailed):
    code = "youtube_timeout"
    message = N_(
        "YouTube took too long to answer. Please try again in a few minutes, or send me the "
        "video's subtitle file (.srt, .vtt or .txt)."
    )
    operator_hint = "YouTube timed out: check the network, or set YOUTUBE_PROXY_URL."


class YouTubeProxyFailed(YouTubeFailed):
    code = "youtube_proxy_failed"
    message = N_(
        "I can't get captions from YouTube right now. Send me the video's subtitle file "
        "(.srt, .vtt or .txt) and I'll make the deck from it."
    )
    operator_hint = "the proxy in YOUTUBE_PROXY_URL doesn't answer: check its address, or unset it."


class TranscriptFileError(VocabotError):
    code = "transcript_file"
    message = N_("I couldn't read that subtitle file. Use .srt, .vtt or plain .txt.")


class NoCues(TranscriptFileError):
    code = "no_cues"
    message = N_(
        "I couldn't find a single subtitle line in that file. Is it really a subtitle file "
        "(.srt, .vtt or .txt)?"
    )


class TranscriptFileMissing(VocabotError):
    code = "transcript_file_missing"
    message = N_("I can't find the file {path}. Check the path and try again.")

    def __init__(self, path: str) -> None:
        super().__init__(path, path=path)


class TranscriptFileTooBig(VocabotError):
    code = "transcript_file_too_big"
    message = N_(
        "That file is {size} MB; subtitle files I take are up to {limit} MB. Is it really a "
        "subtitle file (.srt, .vtt or .txt)?"
    )

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"{size} bytes > {limit}",
            size=f"{size / 1_048_576:.1f}",
            limit=f"{limit / 1_048_576:.0f}",
        )
        self.size, self.limit = size, limit


class EmptyTranscript(VocabotError):
    code = "empty_transcript"
    message = N_("The captions of that video are empty.")


class VideoTooLong(VocabotError):
    code = "video_too_long"
    message = N_(
        "That video is {minutes} minutes long; I handle videos up to {limit} minutes. "
        "Try a shorter one."
    )

    def __init__(self, minutes: float, limit_minutes: int) -> None:
        super().__init__(
            f"{minutes:.0f} min > {limit_minutes} min",
            minutes=f"{minutes:.0f}",
            limit=str(limit_minutes),
        )


class TooMuchText(VocabotError):
    """More text than a video as long as the cap could hold: what it would send to the
    model (candidates, chunks, prompt tokens) is over the cap, whatever its time stamps say."""

    code = "too_much_text"
    message = N_(
        "That's more text than a {limit}-minute video could hold, so it's too big for me to "
        "make a deck from. Send me the subtitles of one video, up to {limit} minutes long."
    )

    def __init__(self, detail: str, limit_minutes: int) -> None:
        super().__init__(detail, limit=str(limit_minutes))


class LLMUnavailable(VocabotError):
    code = "llm_unavailable"
    message = N_("My language model server isn't answering right now. Please try again later.")


class LLMRejected(VocabotError):
    """The server refused a request for a reason a retry will not fix (a 4xx)."""

    code = "llm_rejected"
    message = N_("My language model server refused the request.")


class ContextOverflow(LLMRejected):
    code = "context_overflow"


class LLMBadOutput(VocabotError):
    code = "llm_bad_output"
    message = N_("My language model answered with something I couldn't read.")


class NothingToLearn(VocabotError):
    code = "nothing_to_learn"
    message = N_(
        "I didn't find any words worth learning at your level in that video. "
        "Try a harder video, or lower your level in /settings."
    )


class StorageUnavailable(VocabotError):
    code = "storage_unavailable"
    message = N_("My database can't be opened. The bot's owner has to look at it.")


class DatabaseDown(VocabotError):
    """The database does not answer now (PostgreSQL down or restarting): a moment's wait,
    not the owner's repair, is what helps."""

    code = "database_down"
    message = N_("My database isn't answering right now. Please try again shortly.")
    retry_in: ClassVar[float] = 10.0  # seconds (Retry-After)


class DeckNotFound(VocabotError):
    code = "deck_not_found"
    message = N_("I can't find that deck. It may have been deleted.")


class SignInRefused(VocabotError):
    code = "sign_in_refused"
    message = N_(
        "This sign-in link has expired or was already used. Send /web in the chat for a new one."
    )


class NoDecks(VocabotError):
    code = "no_decks"
    message = N_("You have no decks yet. Send me a YouTube link to make one.")


class BadSetting(VocabotError):
    code = "bad_setting"
    message = N_(
        "I don't know that setting. Meanings can be in ko, ja, zh, es, fr, de, pt, ru, vi "
        "or en, and levels go from A1 to C2."
    )


class BadLevel(BadSetting):
    code = "bad_level"
    message = N_(
        "I don't know that level. Write a CEFR level (A1 to C2), a TOEIC score (toeic 650) "
        "or a 수능 grade (수능 2등급 or csat 2)."
    )


class BadDeckSize(BadSetting):
    code = "bad_deck_size"
    message = N_(
        "A deck size is one number, at least {low} and at most {high}: for example "
        "/settings size 20."
    )


class TooManyJobs(VocabotError):
    code = "too_many_jobs"
    message = N_("You already have videos in progress. Wait for one to finish, or /cancel it.")

    def __init__(self, detail: str = "", *, retry_in: float = 30.0) -> None:
        super().__init__(detail)
        self.retry_in = retry_in  # seconds until a running job is likely done (Retry-After)


class SlowDown(VocabotError):
    code = "slow_down"
    message = N_("One moment, please: try again in {seconds} s.")

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"cool-down {retry_in:.1f}s", seconds=str(max(1, round(retry_in))))
        self.retry_in = retry_in


class JobCancelled(VocabotError):
    code = "cancelled"
    message = N_("Cancelled.")


class ShuttingDown(VocabotError):
    code = "shutting_down"
    message = N_("I'm restarting right now. Please send the link again in a minute.")


class QuotaExceeded(VocabotError):
    """The learner started as many builds today as their daily quota allows."""

    code = "quota_exceeded"
    message = N_(
        "You've reached today's limit of {limit} new decks. It resets at midnight UTC, in "
        "{hours} h {minutes} min. Decks that are already made still open at once."
    )

    def __init__(self, limit: int, retry_in: float) -> None:
        hours, minutes = divmod(max(1, round(retry_in / 60)), 60)
        super().__init__(
            f"{limit} builds today", limit=str(limit), hours=str(hours), minutes=str(minutes)
        )
        self.retry_in = retry_in  # seconds until the quota resets (Retry-After)


class BudgetExhausted(VocabotError):
    """The whole bot spent its daily token budget (DAILY_TOKEN_BUDGET)."""

    code = "budget_exhausted"
    message = N_(
        "I've used up today's budget for making new decks. It resets at midnight UTC, in "
        "{hours} h {minutes} min. Decks that are already made still open at once."
    )

    def __init__(self, used: int, budget: int, retry_in: float) -> None:
        hours, minutes = divmod(max(1, round(retry_in / 60)), 60)
        super().__init__(f"{used} of {budget} tokens", hours=str(hours), minutes=str(minutes))
        self.retry_in = retry_in


class TranslationBudget(BudgetExhausted):
    """The daily token budget is spent: no sentence translations until it resets."""

    code = "translation_budget"
    message = N_(
        "I've used up today's budget for translations. It resets at midnight UTC, in "
        "{hours} h {minutes} min. Sentences I translated before still open at once."
    )


class TranslationUnavailable(VocabotError):
    """This process calls no LLM (a queue front): sentences can't be translated here."""

    code = "translation_unavailable"
    message = N_("I can't translate sentences right now. Please try again later.")


class BuildsBlocked(VocabotError):
    code = "blocked"
    message = N_(
        "Making new decks is turned off for your account. If you think this is a mistake, "
        "please contact the bot's owner."
    )


class NotAdmin(VocabotError):
    code = "not_admin"
    message = N_("That command is only for the bot's admins.")


class UnknownUser(VocabotError):
    code = "unknown_user"
    message = N_(
        "I don't know that user. Write them as platform:id, for example telegram:12345, "
        "and they must have talked to me before."
    )


# Error code -> (when it last happened, what the operator can do): the server settings a
# learner's sentence no longer names (YOUTUBE_PROXY_URL, TRANSCRIPTS_DIR), for /admin.
_PROBLEMS: dict[str, tuple[datetime, str]] = {}


def note_problem(error: VocabotError) -> None:
    """Remembers an error's operator hint for /admin (this process's; the log has all)."""
    if error.operator_hint:
        _PROBLEMS[error.code] = (datetime.now(UTC), error.operator_hint)


def problems_since(moment: datetime) -> tuple[str, ...]:
    """The operator hints of errors seen since `moment`, the latest first."""
    seen = sorted(_PROBLEMS.values(), reverse=True)
    return tuple(hint for when, hint in seen if when >= moment)


def _every(cls: type[VocabotError]) -> list[type[VocabotError]]:
    return [cls, *(c for sub in cls.__subclasses__() for c in _every(sub))]


def by_code(code: str) -> type[VocabotError] | None:
    """The error class with this code (a stored job's error, told again)."""
    return next((c for c in _every(VocabotError) if c.code == code), None)
