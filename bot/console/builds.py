"""Building decks in the console chat: a link or a subtitle file, its progress in one
status line, and what the learner types meanwhile (/cancel stops the build at once; other
lines wait their turn). Ctrl-C during a build stops it, so no half-built deck is saved."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bot import texts
from bot.console.part import ChatPart
from bot.console.terminal import ReadLine
from core import (
    SUFFIXES,
    Announce,
    JobHandle,
    JobUpdate,
    Listener,
    Stage,
    TranscriptFileMissing,
    Translator,
    Word,
)

log = logging.getLogger(__name__)


def file_path(line: str) -> Path | None:
    """A subtitle file's path, absolute or not, whatever its name looks like (a file named
    `mytalk_copy.srt` is a file, not the YouTube id `mytalk_copy`); as a terminal pastes a
    dragged file too: in quotes, or with its spaces escaped."""
    text = line.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    text = text.replace("\\ ", " ")
    return Path(text) if Path(text).suffix.lower() in SUFFIXES else None


class BuildChat(ChatPart):
    """The deck-building part of ConsoleChat."""

    console: Console
    read_line: ReadLine

    def __init__(self) -> None:
        self._typed: deque[str | None] = deque()  # lines typed while a build ran
        self._reading: asyncio.Future[str | None] | None = None
        self.idle = asyncio.Event()  # set while no build runs
        self.idle.set()

    async def next_line(self) -> str | None:
        """The next line the learner typed (one typed during a build first)."""
        if self._typed:
            return self._typed.popleft()
        reading, self._reading = self._reading, None
        return await (reading or self.read_line())

    def stop_reading(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None

    async def _after_build(self, deck_id: int) -> None:
        raise NotImplementedError

    async def _cancel(self, _: str) -> None:
        raise NotImplementedError

    async def _build(self, video_id: str) -> None:
        await self._follow(
            lambda listener, announce: self.actions.builds.submit(
                self.me, video_id, listener=listener, announce=announce
            )
        )

    async def _build_file(self, path: Path) -> None:
        """A subtitle file on this machine, like one sent in a chat."""
        try:
            data = await asyncio.to_thread(lambda: path.expanduser().read_bytes())
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise TranscriptFileMissing(str(path)) from exc
        await self._follow(
            lambda listener, announce: self.actions.builds.submit_file(
                self.me, data, path.name, listener=listener, announce=announce
            )
        )

    async def _follow(self, start: Callable[[Listener, Announce], Awaitable[JobHandle]]) -> None:
        """Start a job, show its progress in one status line, then its first page."""
        finished: asyncio.Future[JobUpdate] = asyncio.get_running_loop().create_future()
        status = self.console.status(self.tr(texts.WORKING))

        async def announce() -> None:
            if not self.console.is_terminal:  # no status line to animate: say it once
                self.tell(self.tr(texts.WORKING))
            status.start()  # once the job is written, like every face's immediate reply

        shown = 0  # cards of the first page printed so far

        async def listener(update: JobUpdate) -> None:
            nonlocal shown
            status.update(texts.progress_text(self.tr, update.progress))
            page = update.progress.page
            if len(page) > shown and not update.finished:
                # The first page as soon as it comes; cards that join it after (it only grows).
                if not shown:
                    self.tell(texts.first_cards_line(self.tr, update.progress))
                for number, word in enumerate(page[shown:], shown + 1):
                    self.tell(building_card_text(self.tr, number, word))
                shown = len(page)
            if update.finished and not finished.done():
                finished.set_result(update)

        try:
            await start(listener, announce)
            self.idle.clear()
            cancelled = await self._meanwhile(finished)
            update = await finished
        except asyncio.CancelledError:  # Ctrl-C: stop the build, keep no half-built deck
            log.info("console: interrupted during a build, cancelling it")
            await asyncio.shield(self.actions.builds.cancel(self.me))
            raise
        finally:
            status.stop()
            self.idle.set()
        if update.progress.stage == Stage.CANCELLED and cancelled:
            return  # /cancel said so already
        if update.progress.stage != Stage.DONE or update.deck is None:
            self.say(f"[red]{escape(texts.failure_text(self.tr, update))}[/]")
            return
        await self._after_build(update.deck.id)

    async def _meanwhile(self, finished: asyncio.Future[JobUpdate]) -> bool:
        """Read what is typed until the build ends: /cancel stops it now (True), anything
        else waits until it has ended."""
        cancelled = ended = False
        while not finished.done() and not ended:
            if self._reading is None:
                self._reading = asyncio.ensure_future(self.read_line())
            await asyncio.wait((finished, self._reading), return_when=asyncio.FIRST_COMPLETED)
            if not self._reading.done():
                break
            line, self._reading = self._reading.result(), None
            if line is not None and line.strip().lower() == "/cancel":
                await self._cancel("")
                cancelled = True
            else:
                self._typed.append(line)
                ended = line is None  # the end of input: nothing more to read
        return cancelled


def building_card_text(tr: Translator, number: int, word: Word) -> str:
    """A card of the first page of a deck still being built, as plain text."""
    pos = f" ({texts.pos_name(tr, word.pos)})" if word.pos else ""
    return f"{number}. {word.lemma}{pos} — {word.meaning}\n   “{word.sentence}”"
