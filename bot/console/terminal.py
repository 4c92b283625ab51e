"""Reading the terminal without blocking the event loop, and quitting at once on Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Awaitable, Callable

ReadLine = Callable[[], Awaitable[str | None]]


async def read_stdin() -> str | None:
    """A line typed in the terminal, or None at the end of input.

    A daemon thread waits for the line: on Ctrl-C this await is cancelled and the program
    ends at once, instead of waiting (as a worker thread would) for a line nobody types.
    """
    loop = asyncio.get_running_loop()
    typed: asyncio.Future[str | None] = loop.create_future()

    def deliver(line: str | None) -> None:
        if not typed.done():
            typed.set_result(line)

    def read() -> None:
        line = _read_line()
        with contextlib.suppress(RuntimeError):  # the loop closed while we waited
            loop.call_soon_threadsafe(deliver, line)

    sys.stdout.write("> ")
    sys.stdout.flush()
    threading.Thread(target=read, name="console-input", daemon=True).start()
    return await typed


def _read_line() -> str | None:
    """One line of stdin, None at its end. A real file descriptor is read with os.read: a
    daemon thread blocked in sys.stdin.readline() would hold the buffer's lock, and
    Python aborts ("could not acquire lock for <stdin>") when it exits under it."""
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by something in memory
        line = sys.stdin.readline()
        return line.removesuffix("\n") if line else None
    data = bytearray()
    try:
        while (byte := os.read(fd, 1)) and byte != b"\n":
            data += byte
    except OSError:
        byte = b""
    if not byte and not data:
        return None
    return data.decode(sys.stdin.encoding or "utf-8", errors="replace").removesuffix("\r")


def terminal_language() -> str | None:
    """The language this terminal's locale names (LC_ALL, LC_MESSAGES, LANG: "ko_KR.UTF-8")."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX"):
            return value.split(".")[0]
    return None
