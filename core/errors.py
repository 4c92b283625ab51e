"""Errors a user can be told about, each with the sentence a user reads.

Adapters catch `VocabotError`, send `user_message` to the chat and log the rest.
Anything that is not a `VocabotError` is a bug: adapters answer with
`InternalError.message` and log the traceback.
"""

from __future__ import annotations

from typing import ClassVar


class VocabotError(Exception):
    """Base of every error a learner may be told about."""

    code: ClassVar[str] = "error"
    message: ClassVar[str] = "Something went wrong on my side. Please try again in a minute."

    def __init__(self, detail: str = "", *, user_message: str | None = None) -> None:
        super().__init__(detail or self.message)
        self.detail = detail
        self._user_message = user_message

    @property
    def user_message(self) -> str:
        return self._user_message or self.message


class InternalError(VocabotError):
    code = "internal"


class NotAVideoLink(VocabotError):
    code = "not_a_video_link"
    message = (
        "That doesn't look like a YouTube video link. "
        "Send me a link like https://youtu.be/dQw4w9WgXcQ"
    )


class InvalidVideoId(VocabotError):
    code = "invalid_video_id"
    message = "YouTube says that video id doesn't exist. Please check the link."


class VideoUnavailable(VocabotError):
    code = "video_unavailable"
    message = "That video is unavailable (private, removed or blocked in this region)."


class AgeRestricted(VocabotError):
    code = "age_restricted"
    message = "That video is age-restricted, so I can't read its captions."


class CaptionsDisabled(VocabotError):
    code = "captions_disabled"
    message = "Captions are turned off for that video, so there is nothing for me to read."


class NoCaptions(VocabotError):
    code = "no_captions"
    message = "That video has no captions in a language I can use."


class YouTubeBlocked(VocabotError):
    code = "youtube_blocked"
    message = (
        "YouTube is blocking requests from this server right now, so I can't fetch captions. "
        "The bot's owner can fix this with a proxy (YOUTUBE_PROXY_URL)."
    )


class YouTubeFailed(VocabotError):
    """YouTube answered, but not with something usable (a 5xx, a page we can't read)."""

    code = "youtube_failed"
    message = "YouTube didn't answer properly. Please try again in a few minutes."


class YouTubeUnreachable(YouTubeFailed):
    """No connection at all: no network, DNS can't resolve YouTube, connection refused."""

    code = "youtube_unreachable"
    message = (
        "I can't reach YouTube: this server gets no connection to it (no network, or "
        "YouTube's address can't be found), so waiting won't help. The bot's owner can fix "
        "the network, set YOUTUBE_PROXY_URL, or put the video's subtitle file (.srt/.vtt) in "
        "TRANSCRIPTS_DIR; `vocabot build FILE.srt` also makes a deck from a subtitle file."
    )


class YouTubeTimeout(YouTubeFailed):
    code = "youtube_timeout"
    message = (
        "YouTube took too long to answer. Please try again in a few minutes; if it keeps "
        "happening, the bot's owner can check the network or set YOUTUBE_PROXY_URL."
    )


class YouTubeProxyFailed(YouTubeFailed):
    code = "youtube_proxy_failed"
    message = (
        "I can't reach YouTube through the proxy in YOUTUBE_PROXY_URL: the proxy doesn't "
        "answer. The bot's owner has to check that proxy address (or unset it)."
    )


class TranscriptFileError(VocabotError):
    code = "transcript_file"
    message = "I couldn't read that subtitle file. Use .srt, .vtt or plain .txt."


class NoCues(TranscriptFileError):
    code = "no_cues"
    message = (
        "I couldn't find a single subtitle line in that file. Is it really a subtitle file "
        "(.srt, .vtt or .txt)?"
    )


class TranscriptFileMissing(VocabotError):
    code = "transcript_file_missing"
    message = "I can't find that subtitle file."

    def __init__(self, path: str) -> None:
        super().__init__(
            path,
            user_message=f"I can't find the file {path}. Check the path and try again.",
        )


class TranscriptFileTooBig(VocabotError):
    code = "transcript_file_too_big"
    message = "That file is too big for a subtitle file."

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"{size} bytes > {limit}",
            user_message=(
                f"That file is {size / 1_048_576:.1f} MB; subtitle files I take are up to "
                f"{limit / 1_048_576:.0f} MB. Is it really a subtitle file (.srt, .vtt, .txt)?"
            ),
        )
        self.size, self.limit = size, limit


class EmptyTranscript(VocabotError):
    code = "empty_transcript"
    message = "The captions of that video are empty."


class VideoTooLong(VocabotError):
    code = "video_too_long"
    message = "That video is too long for me."

    def __init__(self, minutes: float, limit_minutes: int) -> None:
        super().__init__(
            f"{minutes:.0f} min > {limit_minutes} min",
            user_message=(
                f"That video is {minutes:.0f} minutes long; I handle videos up to "
                f"{limit_minutes} minutes. Try a shorter one."
            ),
        )


class LLMUnavailable(VocabotError):
    code = "llm_unavailable"
    message = "My language model server isn't answering right now. Please try again later."


class LLMRejected(VocabotError):
    """The server refused a request for a reason a retry will not fix (a 4xx)."""

    code = "llm_rejected"
    message = "My language model server refused the request."


class ContextOverflow(LLMRejected):
    code = "context_overflow"


class LLMBadOutput(VocabotError):
    code = "llm_bad_output"
    message = "My language model answered with something I couldn't read."


class NothingToLearn(VocabotError):
    code = "nothing_to_learn"
    message = (
        "I didn't find any words worth learning at your level in that video. "
        "Try a harder video, or lower your level in /settings."
    )


class StorageUnavailable(VocabotError):
    code = "storage_unavailable"
    message = "My database can't be opened. The bot's owner has to look at it."


class DeckNotFound(VocabotError):
    code = "deck_not_found"
    message = "I can't find that deck. It may have been deleted."


class NoDecks(VocabotError):
    code = "no_decks"
    message = "You have no decks yet. Send me a YouTube link to make one."


class BadSetting(VocabotError):
    code = "bad_setting"
    message = (
        "I don't know that setting. Meanings can be in ko, ja, zh, es, fr, de, pt, ru, vi "
        "or en, and levels go from A1 to C2."
    )


class NotYourButton(VocabotError):
    code = "not_your_button"
    message = "These buttons belong to someone else. Send me a link to get your own deck."


class TooManyJobs(VocabotError):
    code = "too_many_jobs"
    message = "You already have videos in progress. Wait for one to finish, or /cancel it."

    def __init__(self, detail: str = "", *, retry_in: float = 30.0) -> None:
        super().__init__(detail)
        self.retry_in = retry_in  # seconds until a running job is likely done (Retry-After)


class SlowDown(VocabotError):
    code = "slow_down"
    message = "One moment, please: you're sending links faster than I can take them."

    def __init__(self, retry_in: float) -> None:
        super().__init__(
            f"cool-down {retry_in:.1f}s",
            user_message=f"One moment, please: try again in {max(1, round(retry_in))} s.",
        )
        self.retry_in = retry_in


class JobCancelled(VocabotError):
    code = "cancelled"
    message = "Cancelled."


class ShuttingDown(VocabotError):
    code = "shutting_down"
    message = "I'm restarting right now. Please send the link again in a minute."
