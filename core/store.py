"""The storage contract, in core's own types. storage/ implements it (SQLite, PostgreSQL).

Every method that reads or changes a learner's data takes that learner's user id, and an
id that belongs to someone else behaves exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

from core.i18n import interface_language
from core.models import Deck, Gap, Phrase, Progress, Word
from core.subtitles import Upload

CardKind = Literal["word", "phrase"]
WebTokenKind = Literal["link", "session"]  # a single-use sign-in link, or a browser session


@dataclass(frozen=True, slots=True)
class User:
    id: int
    platform: str
    platform_user_id: str
    learner_language: str  # the language meanings are written in
    level: str
    interface_language: str | None = None  # the bot's language, as picked in /settings
    client_language: str | None = None  # what their chat client last said it speaks
    last_seen: datetime | None = None  # when they last talked to the bot (once a day)
    deck_size: int | None = None  # cards of a deck they get first (None: DECK_SIZE)

    @property
    def ui_language(self) -> str:
        """The language the bot speaks to them: their pick, else their client's."""
        return self.interface_language or interface_language(self.client_language)


@dataclass(frozen=True, slots=True)
class CacheKey:
    """A deck is the same for everyone who asks with these settings: never pay twice."""

    video_id: str
    languages: str
    learner_language: str
    level: str
    prompt_version: str
    model: str
    backend: str  # which server answered (simulated decks never reach a real run)


@dataclass(frozen=True, slots=True)
class DeckInfo:
    id: int
    user_id: int
    video_id: str | None
    title: str | None
    learner_language: str
    level: str
    words: int
    phrases: int
    missing: tuple[Gap, ...]
    created_at: datetime
    simulated: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    deck_id: int
    kind: CardKind
    item: Word | Phrase
    simulated: bool = False  # its deck's meanings came from the simulator
    position: int = 0  # its rank within its kind in its deck, best first

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def front(self) -> str:
        return self.item.lemma if isinstance(self.item, Word) else self.item.text


@dataclass(frozen=True, slots=True)
class ReviewState:
    """One card's scheduling state, as the SRS stores it (opaque JSON to storage)."""

    card_id: int
    state: dict[str, Any]
    due: datetime


@dataclass(frozen=True, slots=True)
class ReviewLogEntry:
    card_id: int
    rating: int
    reviewed_at: datetime
    question: str = ""
    correct: bool | None = None


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class Notify:
    """Where to tell the user about a job: the adapter that owns the chat, and the message."""

    platform: str
    chat_id: str
    message_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    user_id: int
    video_id: str
    status: JobStatus
    progress: Progress
    learner_language: str
    level: str
    error_code: str | None = None
    error_message: str | None = None
    deck_id: int | None = None
    notify: Notify | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # The chat message the job was asked for in (platform:chat:message): a request that is
    # delivered twice (a platform redelivers after a crash) makes one job.
    source_key: str | None = None
    told: bool = True  # False while `notify` has not been told how the job ended


@dataclass(frozen=True, slots=True)
class UsageCount:
    """What builds cost on one day: builds started (cache hits never count) and tokens."""

    builds: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class DayUsage:
    """One UTC day, all learners together."""

    day: date
    usage: UsageCount
    users: int  # learners who started a build or spent tokens that day


@dataclass(frozen=True, slots=True)
class UserUsage:
    """One learner's spending over a period (None: learners who have since used /forget)."""

    user: User | None
    usage: UsageCount


@dataclass(frozen=True, slots=True)
class QuotaOverride:
    """An admin's override for one learner: their daily builds (None: the default from the
    settings), or no builds at all while `blocked`."""

    daily_builds: int | None = None
    blocked: bool = False


class Store(Protocol):
    # users
    async def get_or_create_user(
        self, platform: str, platform_user_id: str, *, learner_language: str, level: str
    ) -> User: ...
    async def get_user(self, user_id: int) -> User | None: ...
    async def update_user(
        self,
        user_id: int,
        *,
        learner_language: str | None = None,
        level: str | None = None,
        interface_language: str | None = None,
        client_language: str | None = None,
        deck_size: int | None = None,
    ) -> User:
        """Change the settings given (None leaves one as it is); `deck_size` is kept in
        the user's preferences (JSON)."""
        ...

    # the shared result cache
    async def cached_deck(self, key: CacheKey) -> Deck | None: ...
    async def cache_deck(self, key: CacheKey, deck: Deck) -> None: ...

    # subtitle files learners sent, by the key jobs name them with ("file:<hash>")
    async def save_upload(self, upload: Upload) -> None: ...
    async def get_upload(self, key: str) -> Upload | None: ...

    # decks and cards
    async def save_deck(self, user_id: int, deck: Deck) -> DeckInfo: ...
    async def list_decks(self, user_id: int) -> list[DeckInfo]: ...
    async def get_deck(self, user_id: int, deck_id: int) -> DeckInfo | None: ...
    async def deck_cards(
        self, user_id: int, deck_id: int, kind: CardKind | None = None
    ) -> list[Card]: ...
    async def user_cards(self, user_id: int) -> list[Card]: ...
    async def get_card(self, user_id: int, card_id: int) -> Card | None: ...

    # known words
    async def add_known_words(self, user_id: int, words: Iterable[str]) -> int: ...
    async def known_words(self, user_id: int) -> frozenset[str]: ...

    # spaced repetition
    async def review_states(self, user_id: int) -> dict[int, ReviewState]: ...
    async def save_review(
        self, user_id: int, state: ReviewState, entry: ReviewLogEntry | None
    ) -> bool: ...
    async def review_log(
        self, user_id: int, since: datetime | None = None
    ) -> list[ReviewLogEntry]: ...
    async def get_session(self, user_id: int, name: str) -> dict[str, Any] | None: ...
    async def put_session(self, user_id: int, name: str, data: dict[str, Any] | None) -> None: ...
    async def claim_day(self, user_id: int, name: str, day: date) -> bool:
        """Claim `name` for the learner on `day` in one atomic statement: True only for the
        first claim of a day later than the last one claimed (a reminder's "sent today"),
        so two processes or a restart claim a day once."""
        ...

    async def sessions_named(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        """(user id, data) of every learner's session called `name` (the reminder scheduler's
        scan; not a per-user read)."""
        ...

    # HTTP API keys (only hashes are stored)
    async def add_api_key(self, user_id: int, key_hash: str, name: str = "") -> None: ...
    async def user_for_api_key(self, key_hash: str) -> User | None: ...

    # the study page's sign-in (only hashes are stored; expired rows may be pruned any time)
    async def add_web_token(
        self, user_id: int, token_hash: str, kind: WebTokenKind, expires_at: datetime
    ) -> None: ...
    async def use_sign_in_link(self, token_hash: str, now: datetime) -> User | None:
        """The link's user, once: a used, expired or unknown link is None (atomically, so
        two browsers racing with one link sign in one)."""
        ...

    async def user_for_session(self, token_hash: str, now: datetime) -> User | None: ...
    async def delete_web_token(self, token_hash: str) -> None: ...

    # finished chunk answers of a build (kept until its deck is cached, so a restarted or
    # repeated build asks the model only for the rest); keyed by every CacheKey field
    async def chunk_results(self, key: CacheKey) -> dict[str, dict[str, Any]]: ...
    async def save_chunk_result(
        self, key: CacheKey, fingerprint: str, result: dict[str, Any]
    ) -> None: ...

    # jobs
    async def create_job(self, job: JobRecord) -> JobRecord:
        """Write a new job; with a `source_key` already used by this user, write nothing
        and return that earlier job instead."""
        ...

    async def update_job(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: Progress | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        deck_id: int | None = None,
        notify: Notify | None = None,
    ) -> None:
        """Change a job that is still queued or running; a finished job never changes."""
        ...

    async def mark_told(self, job_id: str) -> None: ...
    async def get_job(self, user_id: int, job_id: str) -> JobRecord | None: ...
    async def job_for_source(self, user_id: int, source_key: str) -> JobRecord | None: ...
    async def user_jobs(self, user_id: int, *, active_only: bool = False) -> list[JobRecord]: ...
    async def unfinished_jobs(self) -> list[JobRecord]:
        """Every job left queued or running (start-up recovery; not a per-user read)."""
        ...

    async def untold_jobs(self) -> list[JobRecord]:
        """Finished jobs whose chat was never told the end (start-up recovery)."""
        ...

    # operating (migration 0008): health, activity, spending, quotas, forgetting a learner

    async def ping(self) -> None:
        """Return once the database answers a trivial query; raise if it cannot."""
        ...

    async def find_user(self, platform: str, platform_user_id: str) -> User | None:
        """A learner by their platform account, never created (admin commands)."""
        ...

    async def mark_seen(self, user_id: int, at: datetime) -> None:
        """Note that the learner talked to the bot at `at` (callers do it once a day)."""
        ...

    async def active_users(self, since: datetime) -> list[User]:
        """Learners who talked to the bot at or after `since` (an admin's broadcast)."""
        ...

    async def count_active_users(self, since: datetime) -> int: ...

    async def add_usage(
        self,
        user_id: int,
        day: date,
        *,
        builds: int = 0,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        reserved_tokens: int = 0,
    ) -> None:
        """Add to the learner's spending on `day` (UTC); `reserved_tokens` (negative: give
        back) to what running builds reserved of the budget (never below zero)."""
        ...

    async def take_build(
        self, user_id: int, day: date, *, limit: int | None, budget: int = 0
    ) -> str | None:
        """Count one more build for the learner on `day`, in one step with the checks, across
        processes: None when taken; "quota" when they have `limit` builds already, "budget"
        when every learner's spent and reserved tokens reached `budget` (0: none)."""
        ...

    async def give_back_build(self, user_id: int, day: date) -> None:
        """A taken build that did not start after all (its deck was cached, or it joined a
        build already running)."""
        ...

    async def reserve_tokens(self, user_id: int, day: date, tokens: int, *, budget: int) -> bool:
        """Reserve `tokens` of the day's budget for a build about to call the LLM, in one
        step with the check (across processes): False when every learner's spent and
        reserved tokens reached `budget` already."""
        ...

    async def user_usage(self, user_id: int, day: date) -> UsageCount: ...
    async def usage_by_day(self, since: date) -> list[DayUsage]:
        """Every day from `since` on with any spending, newest first, all learners summed."""
        ...

    async def top_users(self, since: date, limit: int) -> list[UserUsage]:
        """The learners who spent the most tokens from `since` on, most first."""
        ...

    async def get_quota(self, user_id: int) -> QuotaOverride:
        """The learner's override (the defaults when an admin never set one)."""
        ...

    async def set_quota(self, user_id: int, quota: QuotaOverride) -> None: ...

    async def drop_unused_upload(self, key: str) -> bool:
        """Delete a subtitle file no job names (its request was refused); True if it went."""
        ...

    async def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete everything kept about the learner, in one transaction: their decks, cards,
        reviews, known words, settings, sessions, jobs, API keys, quota and the user row;
        subtitle files they sent (and decks and answers cached from them) unless another
        learner's job refers to the same file. Their spending is folded into the day's
        anonymous total (user 0). Returns the rows deleted per table."""
        ...
