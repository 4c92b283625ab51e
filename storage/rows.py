"""Rows to core values and back, the same for every store (no SQL here).

SQLite hands back text for times, days and JSON, and 1 or 0 for a boolean; PostgreSQL
hands back its own types and parsed JSON. `read` takes either, so both stores build core's
values in one way: each field of a dataclass from the column of its name, JSON text parsed,
then validated (and converted) by pydantic as the field's type says.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from types import NoneType
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


def parsed(value: Any) -> Any:
    """A stored JSON value: SQLite keeps the text, PostgreSQL's json type is parsed already."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def json_text(value: Any) -> str:
    """A core value (a dataclass, a tuple of them) as the JSON text a column stores."""
    return to_json(value).decode()


def _is_json(hint: Any) -> bool:
    """Is a field of type `hint` (or `hint | None`) stored as JSON, not as a plain value?"""
    args = get_args(hint)
    (inner,) = [a for a in args if a is not NoneType] if NoneType in args else [hint]
    enum = isinstance(inner, type) and issubclass(inner, Enum)
    return not (inner in (datetime, date, int, str, bool) or enum or get_origin(inner) is Literal)


@cache
def _reader(cls: type[Any]) -> tuple[TypeAdapter[Any], tuple[tuple[str, bool], ...]]:
    """pydantic's validator of `cls`, and its fields (is each one stored as JSON?)."""
    hints = type_hints(cls)
    fields = tuple((f.name, _is_json(hints[f.name])) for f in dataclasses.fields(cls))
    return TypeAdapter(cls), fields


def _stored(value: Any, is_json: bool) -> Any:
    """A column's value as pydantic reads it: JSON parsed, a time in UTC."""
    if is_json:
        return parsed(value)
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def read(cls: type[T], row: Row, columns: Mapping[str, str] | None = None, **given: Any) -> T:
    """A `cls` from `row`: each field from the column of its name (or the one `columns`
    names for it), converted by its type; the fields in `given` are the caller's."""
    adapter, fields = _reader(cls)
    named = columns or {}
    values = {
        name: _stored(row[named.get(name, name)], is_json)
        for name, is_json in fields
        if name not in given
    }
    made: T = adapter.validate_python(values | given)
    return made


def user_of(row: Row) -> User:
    """A users row; `deck_size` is its JSON preferences' (anything but an integer: none)."""
    preferences = parsed(row["preferences"] or "{}")
    size = preferences.get("deck_size") if isinstance(preferences, dict) else None
    deck_size = size if isinstance(size, int) and not isinstance(size, bool) else None
    return read(User, row, {"last_seen": "last_seen_at"}, deck_size=deck_size)
