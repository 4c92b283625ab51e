"""Rows to core values and back, the same for every store (no SQL here).

SQLite hands back text for times and JSON; PostgreSQL hands back datetimes and parsed
JSON. The readers below take either, so both stores build core's values in one way.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from importlib.abc import Traversable
from typing import Any, Protocol

from pydantic import TypeAdapter

from core.models import Deck, Gap, Phrase, Progress, Stage, Word
from core.store import (
    CacheKey,
    Card,
    DeckInfo,
    JobRecord,
    JobStatus,
    Notify,
    ReviewLogEntry,
    ReviewState,
    User,
)
from core.subtitles import Upload

CHUNK_RESULTS_KEPT = timedelta(days=7)  # answers of builds nobody came back for go after this

WORD = TypeAdapter(Word)
PHRASE = TypeAdapter(Phrase)
GAPS = TypeAdapter(tuple[Gap, ...])
NOTIFY = TypeAdapter(Notify)


class Row(Protocol):
    """A row read by column name: sqlite3.Row, or a dict from psycopg's dict_row."""

    def __getitem__(self, key: str, /) -> Any: ...


FORGOTTEN = 0  # the usage rows' user id for learners who used /forget

# What a learner leaves in each table, child tables first: (table, the column holding the
# learner's id). Every table of the schema is here or holds nothing about a learner (the
# forget tests check that a new table was judged).
_OWNED_BY_USER_ID = (
    "review_log",
    "reviews",
    "cards",
    "decks",
    "known_words",
    "sessions",
    "jobs",
    "api_keys",
    "web_tokens",
    "user_quotas",
    "usage",
)
OWN_ROWS = (*((table, "user_id") for table in _OWNED_BY_USER_ID), ("users", "id"))
# Forgetting files: a public video's row that one of them linked to may be titled by the
# file's name (written before file decks stopped naming videos): its title goes (nothing
# reads it back; the video's next build writes its own). {of_keys}: which files.
UNNAME_VIDEOS = (
    "UPDATE videos SET title = NULL WHERE id IN "
    "(SELECT video_id FROM uploads WHERE video_id IS NOT NULL AND {of_keys})"
)


def read_migrations(folder: Traversable) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every NNNN_name.sql in `folder`, in order, numbered 1..n."""
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {versions}")
    return found


def video_key(deck: Deck) -> str:
    """One deck per user and video; a file without a video id is keyed by its title."""
    return deck.video_id or f"file:{deck.title or 'untitled'}"


def cache_params(key: CacheKey) -> tuple[str, ...]:
    """The deck cache's key columns, in table order."""
    return (
        key.video_id,
        key.languages,
        key.learner_language,
        key.level,
        key.prompt_version,
        key.model,
        key.backend,
    )


def key_text(key: CacheKey) -> str:
    """Every field of the key (a field added later is included by itself)."""
    return json.dumps(dataclasses.asdict(key), sort_keys=True, separators=(",", ":"))


def card_rows(deck_id: int, user_id: int, deck: Deck) -> list[tuple[Any, ...]]:
    """(deck_id, user_id, kind, key, position, payload JSON) for every card of `deck`."""
    rows: list[tuple[Any, ...]] = []
    for position, word in enumerate(deck.words):
        rows.append((deck_id, user_id, "word", word.key, position, _text(WORD.dump_json(word))))
    for position, phrase in enumerate(deck.phrases):
        payload = _text(PHRASE.dump_json(phrase))
        rows.append((deck_id, user_id, "phrase", phrase.key, position, payload))
    return rows


def rebuilt(deck: Deck, before: Sequence[tuple[Any, ...]]) -> bool:
    """Whether saving `deck` over the stored (id, level, learner_language) rebuilds it: a
    new level or meaning language makes a new set of cards, not an addition to the old."""
    return any(
        (level, language) != (deck.level, deck.learner_language) for _, level, language in before
    )


def stale_cards(deck: Deck, cards: Sequence[tuple[Any, ...]]) -> list[int]:
    """The ids among stored (id, kind, key) cards that `deck` no longer has."""
    keep = {("word", w.key) for w in deck.words} | {("phrase", p.key) for p in deck.phrases}
    return [int(card_id) for card_id, kind, key in cards if (kind, key) not in keep]


def gaps_json(deck: Deck) -> str:
    return _text(GAPS.dump_json(deck.missing))


def notify_json(notify: Notify | None) -> str | None:
    return _text(NOTIFY.dump_json(notify)) if notify else None


def job_changes(
    *,
    status: JobStatus | None,
    progress: Progress | None,
    error_code: str | None,
    error_message: str | None,
    deck_id: int | None,
    notify: Notify | None,
) -> dict[str, Any]:
    """The job columns an update writes, and their values (None leaves one as it is)."""
    changes: dict[str, Any] = {}
    if status is not None:
        changes["status"] = status.value
    if progress is not None:
        changes |= {"stage": progress.stage.value, "done": progress.done, "total": progress.total}
    if error_code is not None:
        changes |= {"error_code": error_code, "error_message": error_message}
    if deck_id is not None:
        changes["deck_id"] = deck_id
    if notify is not None:
        changes["notify"] = notify_json(notify)
    return changes


def moment(value: str | datetime) -> datetime:
    """A stored time (SQLite's ISO text, or PostgreSQL's timestamptz) as an aware UTC time."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def day_of(value: str | date) -> date:
    """A stored day (SQLite's YYYY-MM-DD text, or PostgreSQL's date)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def parsed(value: Any) -> Any:
    """A stored JSON value: SQLite keeps the text, PostgreSQL's json type is parsed already."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def user_of(row: Row) -> User:
    return User(
        id=int(row["id"]),
        platform=str(row["platform"]),
        platform_user_id=str(row["platform_user_id"]),
        learner_language=str(row["learner_language"]),
        level=str(row["level"]),
        interface_language=row["interface_language"],
        client_language=row["client_language"],
        last_seen=moment(row["last_seen_at"]) if row["last_seen_at"] else None,
        deck_size=_deck_size(parsed(row["preferences"] or "{}")),
    )


def _deck_size(preferences: Any) -> int | None:
    value = preferences.get("deck_size") if isinstance(preferences, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def deck_info_of(row: Row) -> DeckInfo:
    """A deck row with its card counts (`n_words`, `n_phrases`)."""
    return DeckInfo(
        id=int(row["id"]),
        user_id=int(row["user_id"]),
        video_id=row["video_id"],
        title=row["title"],
        learner_language=str(row["learner_language"]),
        level=str(row["level"]),
        words=int(row["n_words"]),
        phrases=int(row["n_phrases"]),
        missing=GAPS.validate_python(parsed(row["missing"])),
        created_at=moment(row["created_at"]),
        simulated=bool(row["simulated"]),
    )


def card_of(row: Row) -> Card:
    """A card row with its deck's `simulated`."""
    kind = row["kind"]
    payload = parsed(row["payload"])
    item: Word | Phrase = (
        WORD.validate_python(payload) if kind == "word" else PHRASE.validate_python(payload)
    )
    return Card(
        id=int(row["id"]),
        deck_id=int(row["deck_id"]),
        kind=kind,
        item=item,
        simulated=bool(row["simulated"]),
        position=int(row["position"]),
    )


def job_of(row: Row) -> JobRecord:
    return JobRecord(
        id=str(row["id"]),
        user_id=int(row["user_id"]),
        video_id=str(row["video_id"]),
        status=JobStatus(row["status"]),
        progress=Progress(Stage(row["stage"]), int(row["done"]), int(row["total"])),
        learner_language=str(row["learner_language"]),
        level=str(row["level"]),
        error_code=row["error_code"],
        error_message=row["error_message"],
        deck_id=row["deck_id"],
        notify=NOTIFY.validate_python(parsed(row["notify"])) if row["notify"] else None,
        created_at=moment(row["created_at"]),
        updated_at=moment(row["updated_at"]),
        source_key=row["source_key"],
        told=bool(row["told"]),
    )


def upload_of(row: Row) -> Upload:
    return Upload(
        key=str(row["key"]),
        filename=str(row["filename"]),
        text=str(row["text"]),
        video_id=row["video_id"],
        language=str(row["language"]),
    )


def review_state_of(row: Row) -> ReviewState:
    return ReviewState(int(row["card_id"]), parsed(row["state"]), moment(row["due"]))


def log_entry_of(row: Row) -> ReviewLogEntry:
    return ReviewLogEntry(
        card_id=int(row["card_id"]),
        rating=int(row["rating"]),
        reviewed_at=moment(row["reviewed_at"]),
        question=str(row["question"]),
        correct=None if row["correct"] is None else bool(row["correct"]),
    )


def _text(data: bytes) -> str:
    return data.decode()
