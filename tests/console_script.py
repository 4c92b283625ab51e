"""Typing into the console chat as a person does: each line once the chat has answered
(a line marked `During` is typed while a build still runs)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.console.chat import ConsoleChat
from bot.console.terminal import ReadLine


class During(str):
    """A line typed while a build runs (others are typed once the chat has answered)."""


def script(lines: Iterable[str], chat: ConsoleChat | None = None) -> ReadLine:
    pending = list(lines)

    async def read_line() -> str | None:
        if chat is not None and not (pending and isinstance(pending[0], During)):
            await chat.idle.wait()  # as a person does: the next line once the deck is shown
        return pending.pop(0) if pending else None

    return read_line
