"""Rows to core values and back, the same for every store (no SQL here).

SQLite hands back text for times and JSON; PostgreSQL hands back datetimes and parsed
JSON. `read` takes either, so both stores build core's values in one way: each field of a
dataclass from the column of its name, converted by the field's type.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, get_args, get_origin
from typing import get_type_hints as type_hints

from pydantic import TypeAdapter
from pydantic_core import to_json

from core.store import User

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    T = TypeVar("T", bound=DataclassInstance)
else:
    T = TypeVar("T")


class Row(Protocol):
    """A row read by column name: sqlite3.Row, or a dict from psycopg's dict_row."""

    def __getitem__(self, key: str, /) -> Any: ...


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


def json_text(value: Any) -> str:
    """A core value (a dataclass, a tuple of them) as the JSON text a column stores."""
    return to_json(value).decode()


_SCALARS: dict[Any, Callable[[Any], Any]] = {
    datetime: moment,
    date: day_of,
    int: int,
    str: str,
    bool: bool,  # SQLite stores 1 and 0
}


def _converter(hint: Any) -> Callable[[Any], Any]:
    """How a stored value becomes a field of type `hint` (NULL stays None)."""
    args = get_args(hint)
    if type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        convert = _converter(inner)
        return lambda value: None if value is None else convert(value)
    if hint in _SCALARS:
        return _SCALARS[hint]
    adapter: TypeAdapter[Any] = TypeAdapter(hint)
    if get_origin(hint) is Literal or (isinstance(hint, type) and issubclass(hint, Enum)):
        return adapter.validate_python  # stored as its text
    return lambda value: adapter.validate_python(parsed(value))  # stored as JSON


@cache
def _fields(cls: type[Any]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    hints = type_hints(cls)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))


def read(cls: type[T], row: Row, columns: Mapping[str, str] | None = None, **given: Any) -> T:
    """A `cls` from `row`: each field from the column of its name (or the one `columns`
    names for it), converted by its type; the fields in `given` are the caller's."""
    named = columns or {}
    values = {
        name: convert(row[named.get(name, name)])
        for name, convert in _fields(cls)
        if name not in given
    }
    return cls(**values, **given)


def user_of(row: Row) -> User:
    """A users row; `deck_size` is its JSON preferences' (anything but an integer: none)."""
    preferences = parsed(row["preferences"] or "{}")
    size = preferences.get("deck_size") if isinstance(preferences, dict) else None
    deck_size = size if isinstance(size, int) and not isinstance(size, bool) else None
    return read(User, row, {"last_seen": "last_seen_at"}, deck_size=deck_size)
