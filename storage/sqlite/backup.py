"""A consistent copy of a live SQLite database (SQLite's online backup API).

The copy is taken in one step inside one read transaction, so it is the database as it was
at one moment, whatever the bot writes meanwhile (in WAL mode writers are not blocked).
It is written next to the target and renamed into place only once it passed
`PRAGMA integrity_check`, so a failed backup never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core import errors

FAILED = "Backup failed:"
INTEGRITY_CHECK = "PRAGMA integrity_check"  # "ok", or what is wrong


@dataclass(frozen=True, slots=True)
class BackupReport:
    target: Path
    bytes: int
    pages: int
    integrity: str  # "ok", or what integrity_check found


def _is_part_of(target: Path, database: Path) -> bool:
    """Is `target` the database file, or its WAL, shared-memory or journal file?"""
    live = database.resolve()
    names = {live, *(live.with_name(live.name + s) for s in ("-wal", "-shm", "-journal"))}
    if target.resolve() in names:
        return True
    with contextlib.suppress(OSError):
        return target.exists() and os.path.samefile(target, database)  # a hard link
    return False


def backup_sqlite(source: Path | str, target: Path, *, overwrite: bool = False) -> BackupReport:
    """Copy the database at `source` (a path or an SQLite URI) to `target` (blocking: run it
    in a thread from async code)."""
    text = str(source)
    if not text.startswith("file:") and not Path(text).is_file():
        raise errors.StorageUnavailable(f"no database at {source}", user_message=FAILED)
    if not text.startswith("file:") and _is_part_of(target, Path(text)):
        raise errors.StorageUnavailable(
            f"{target} is the live database (or one of its files): a backup onto it would "
            "destroy it. Write the copy somewhere else.",
            user_message=FAILED,
        )
    if target.exists() and not overwrite:
        raise errors.StorageUnavailable(
            f"{target} exists (pass --force to replace it)", user_message=FAILED
        )
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            contextlib.closing(sqlite3.connect(text, uri=text.startswith("file:"))) as live,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            live.backup(copy)  # pages=-1: all of it in one step, one snapshot
            integrity = str(copy.execute(INTEGRITY_CHECK).fetchone()[0])
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise errors.StorageUnavailable(str(exc), user_message=FAILED) from exc
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise errors.StorageUnavailable(f"the copy is damaged: {integrity}", user_message=FAILED)
    os.replace(partial, target)
    return BackupReport(target, target.stat().st_size, pages, integrity)
