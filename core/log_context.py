"""What a log line is about: the job, video, learner and stage of the code that logs it.

The job runner binds these while it handles a job; tasks it starts inherit them (asyncio
copies the context into every new task), so every line a build logs, the pipeline's and the
LLM client's included, carries its job. bot/logs.py writes them as fields of JSON lines
(the learner only as a pseudonymous key).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

Value = str | int | float
LOG_FIELDS = ("job_id", "video_id", "user_id", "stage", "duration")

_EMPTY: Mapping[str, Value] = MappingProxyType({})
_fields: ContextVar[Mapping[str, Value]] = ContextVar("vocabot_log_fields", default=_EMPTY)


def log_fields() -> Mapping[str, Value]:
    """The fields bound here (and in the tasks this one was started from)."""
    return _fields.get()


@contextmanager
def bound(**fields: Value | None) -> Iterator[None]:
    """Bind fields for the block (None values are left out)."""
    token = _fields.set(_merged(fields))
    try:
        yield
    finally:
        _fields.reset(token)


def update(**fields: Value | None) -> None:
    """Bind fields for the rest of this task (a build's stage, as it moves on)."""
    _fields.set(_merged(fields))


def _merged(fields: Mapping[str, Value | None]) -> Mapping[str, Value]:
    merged = dict(_fields.get())
    merged.update({k: v for k, v in fields.items() if v is not None})
    return MappingProxyType(merged)
