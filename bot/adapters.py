"""What a chat platform's adapter is to `vocabot run`, and how its start can fail.

Each adapter turns its library's own errors into these two, so the runner of the process
never imports a platform it does not start (discord.py alone is ~17 MB of memory).
"""

from __future__ import annotations

from typing import Protocol


class Adapter(Protocol):
    name: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class TokenRejected(Exception):
    """The platform refused the bot's token."""


class PlatformUnreachable(Exception):
    """The platform's API could not be reached (network, DNS, its own outage)."""
