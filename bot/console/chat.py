"""`vocabot chat`: the whole bot in a terminal, on the same core as Telegram and Discord.

Paste a link, flip pages, mark words as known, take the quiz, see your stats. With no
tokens it runs on embedded defaults: the bundled samples (vocabDemo01, vocabDemo02), the
bundled simulated vLLM server and a local SQLite file.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bot import texts
from bot.app import App
from bot.console.render import page_view
from bot.pages import PAGE_SIZE, clamp_page, page_count, page_of
from core import errors
from core.export import apkg_bytes, csv_bytes
from core.jobs import JobUpdate
from core.models import Stage
from core.srs import Answer, Question, QuestionExpired
from core.store import CardKind, User
from core.youtube import find_video_id

log = logging.getLogger(__name__)

PLATFORM = "console"
HELP = """\
[bold]vocabot chat[/] — paste a YouTube link (try [cyan]vocabDemo01[/] or [cyan]vocabDemo02[/]).

  /next /prev      flip pages          /words /phrases   switch lists
  /known 3         I know card 3       /known word       never show me a word
  /decks /open N   your decks          /export csv|apkg \\[file]
  /quiz            review your words   /stats            your progress
  /settings ja B2  meaning language and level
  /cancel          stop a video or the quiz            /help  /quit"""
RATING_KEYS = ("1", "2", "3", "4")

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


@dataclass
class View:
    deck_id: int
    kind: CardKind = "word"
    page: int = 0


class ConsoleChat:
    def __init__(self, app: App, console: Console, read_line: ReadLine = read_stdin) -> None:
        self.app = app
        self.store = app.store
        self.console = console
        self.read_line = read_line
        self.view: View | None = None
        self.rating_for: Answer | None = None
        self.user: User | None = None

    async def run(self) -> None:
        settings = self.app.settings
        self.user = await self.store.get_or_create_user(
            PLATFORM,
            getpass.getuser() or "local",
            learner_language=settings.default_learner_language,
            level=settings.default_level,
        )
        self.console.print(HELP)
        try:
            while True:
                line = await self.read_line()
                if line is None or line.strip() in ("/quit", "/exit"):
                    break
                try:
                    await self.handle(line.strip())
                except errors.VocabotError as exc:
                    self.say(f"[red]{escape(exc.user_message)}[/]")
        finally:  # /quit, the end of input, or Ctrl-C
            self.console.print("\nBye! Your decks are saved.")

    def say(self, text: str) -> None:
        self.console.print(text)

    @property
    def me(self) -> User:
        assert self.user is not None
        return self.user

    async def handle(self, line: str) -> None:
        if self.rating_for is not None:
            if not line or line in RATING_KEYS:
                await self._rate(line)
                return
            if line.isdigit():
                suggested = dict(texts.RATINGS)[int(self.rating_for.suggested)]
                self.say(f"Rate it from 1 (Again) to 4 (Easy), or press Enter for {suggested}.")
                return
        if not line:
            return
        command, _, rest = line.partition(" ")
        handler = {
            "/help": self._help,
            "/next": self._next,
            "/prev": self._prev,
            "/words": self._words,
            "/phrases": self._phrases,
            "/known": self._known,
            "/decks": self._decks,
            "/open": self._open,
            "/export": self._export,
            "/quiz": self._quiz,
            "/stats": self._stats,
            "/settings": self._settings,
            "/cancel": self._cancel,
        }.get(command.lower())
        if handler is not None:
            await handler(rest.strip())
            return
        if command.startswith("/"):
            log.info("unknown console command %r", command[:40])
            self.say("I don't know that command. /help lists what I can do.")
            return
        video_id = find_video_id(line)
        if video_id is not None:
            await self._build(video_id)
            return
        question = await self.app.quiz.current(self.me.id)
        if question is not None:
            numbers = [str(i) for i in range(1, len(question.options) + 1)]
            if question.options and line not in numbers and line not in question.options:
                self.say(f"Answer with a number from 1 to {len(question.options)}.")
                return
            await self._answer(question, line)
            return
        self.say(escape(texts.NOT_A_LINK))

    # -- decks ---------------------------------------------------------------------------

    async def _build(self, video_id: str) -> None:
        finished = asyncio.Event()
        result: list[JobUpdate] = []
        status = self.console.status(texts.WORKING)

        async def announce() -> None:
            status.start()  # once the job is written, like every face's immediate reply

        async def listener(update: JobUpdate) -> None:
            status.update(texts.progress_text(update.progress))
            if update.finished:
                result.append(update)
                finished.set()

        try:
            await self.app.runner.submit(self.me, video_id, listener=listener, announce=announce)
            await finished.wait()
        finally:
            status.stop()
        update = result[0]
        if update.progress.stage != Stage.DONE or update.deck is None:
            self.say(f"[red]{escape(texts.failure_text(update))}[/]")
            return
        self.view = View(update.deck.id, "word" if update.deck.words else "phrase")
        await self._show()
        if update.deck.missing:
            self.say(f"[yellow]{escape(texts.partial_notice(update.deck.missing))}[/]")

    async def _show(self) -> None:
        if self.view is None:
            self.say("No deck open: paste a link, or /decks.")
            return
        info = await self.store.get_deck(self.me.id, self.view.deck_id)
        if info is None:
            self.view = None
            raise errors.DeckNotFound()
        cards = await self.store.deck_cards(self.me.id, info.id, self.view.kind)
        self.view.page = clamp_page(self.view.page, cards)
        shown = page_of(cards, self.view.page)
        known = await self.store.known_words(self.me.id)
        first = self.view.page * PAGE_SIZE + 1
        title = (
            f"{info.title or info.video_id} · {self.view.kind}s {first}–{first + len(shown) - 1}"
            f" of {len(cards)} · page {self.view.page + 1}/{page_count(cards)}"
        )
        items = [c.item for c in shown]
        if info.simulated:
            self.say(f"[yellow]{escape(texts.SIMULATED)}[/]")
        self.console.print(
            page_view(items, title=title, first=first, known=known, width=self.console.width)
        )
        self.say("[dim]/next /prev /words /phrases /known N /quiz[/]")

    async def _help(self, _: str) -> None:
        self.console.print(HELP)

    async def _next(self, _: str) -> None:
        if self.view:
            self.view.page += 1
        await self._show()

    async def _prev(self, _: str) -> None:
        if self.view:
            self.view.page = max(0, self.view.page - 1)
        await self._show()

    async def _words(self, _: str) -> None:
        if self.view:
            self.view.kind, self.view.page = "word", 0
        await self._show()

    async def _phrases(self, _: str) -> None:
        if self.view:
            self.view.kind, self.view.page = "phrase", 0
        await self._show()

    async def _known(self, rest: str) -> None:
        if not rest:
            known = sorted(await self.store.known_words(self.me.id))
            self.say(f"Words you know ({len(known)}): {escape(', '.join(known) or 'none yet')}")
            return
        numbers = [w for w in rest.split() if w.isdigit()]
        picked = [w.lower() for w in rest.split() if not w.isdigit()]
        if numbers and self.view is None:
            self.say("Open a deck first to mark cards by number (paste a link, or /decks).")
            return
        if numbers and self.view is not None:
            cards = await self.store.deck_cards(self.me.id, self.view.deck_id, self.view.kind)
            missing = [n for n in numbers if not 0 < int(n) <= len(cards)]
            picked += [cards[int(n) - 1].key for n in numbers if n not in missing]
            if missing:
                self.say(f"No card {', '.join(missing)} here: this list has cards 1–{len(cards)}.")
        if not picked:
            return
        await self.store.add_known_words(self.me.id, picked)
        self.say(f"✓ Known: {escape(', '.join(picked))}. They leave your quizzes and new decks.")
        if self.view:
            await self._show()

    async def _decks(self, _: str) -> None:
        decks = await self.store.list_decks(self.me.id)
        if not decks:
            self.say(escape(texts.NO_DECKS))
            return
        for i, deck in enumerate(decks, 1):
            name = escape(deck.title or deck.video_id or "deck")
            self.say(f"  {i}. {name} · {deck.words} words, {deck.phrases} phrases")
        self.say("[dim]/open N to open one[/]")

    async def _open(self, rest: str) -> None:
        decks = await self.store.list_decks(self.me.id)
        if not rest.isdigit() or not 0 < int(rest) <= len(decks):
            self.say("Usage: /open N (see /decks)")
            return
        self.view = View(decks[int(rest) - 1].id)
        await self._show()

    async def _export(self, rest: str) -> None:
        if self.view is None:
            self.say("Open a deck first (paste a link, or /decks).")
            return
        fmt, _, target = rest.partition(" ")
        fmt = fmt or "csv"
        if fmt not in ("csv", "apkg"):
            self.say("Usage: /export csv|apkg [file]")
            return
        info = await self.store.get_deck(self.me.id, self.view.deck_id)
        if info is None:
            raise errors.DeckNotFound()
        cards = await self.store.deck_cards(self.me.id, info.id)
        name = (info.title or info.video_id or f"deck-{info.id}").replace("/", "-")
        path = Path(target or f"{name}.{fmt}")
        if fmt == "csv":
            data = csv_bytes(cards)
        else:
            data = await apkg_bytes(cards, deck_name=f"vocabot::{name}", owner=str(self.me.id))
        await asyncio.to_thread(path.write_bytes, data)
        self.say(f"Saved {len(cards)} cards to {escape(str(path))}")

    async def _settings(self, rest: str) -> None:
        parts = rest.split()
        language = next((p for p in parts if p in texts.LEARNER_LANGUAGES), None)
        level = next((p.upper() for p in parts if p.upper() in texts.LEVEL_NAMES), None)
        if not all(p in texts.LEARNER_LANGUAGES or p.upper() in texts.LEVEL_NAMES for p in parts):
            usage = f"Usage: /settings [{'|'.join(texts.LEARNER_LANGUAGES)}] [A1..C2]"
            self.say(escape(usage))
            return
        self.user = await self.store.update_user(self.me.id, learner_language=language, level=level)
        self.say(
            f"Meanings in [bold]{texts.language_label(self.me.learner_language)}[/], "
            f"level [bold]{texts.LEVEL_NAMES.get(self.me.level, self.me.level)}[/]."
        )

    async def _cancel(self, _: str) -> None:
        count = await self.app.runner.cancel(self.me.id)
        ended = await self.app.quiz.end(self.me.id)
        self.rating_for = None
        self.say(escape(texts.cancel_text(count, ended)))

    # -- quiz ----------------------------------------------------------------------------

    async def _quiz(self, _: str) -> None:
        question = await self.app.quiz.next_question(self.me.id)
        if question is None:
            if not await self.store.user_cards(self.me.id):
                self.say(escape(texts.NO_CARDS))
            else:
                self.say(escape(texts.NOTHING_DUE))
                await self._stats("")
            return
        self._ask(question)

    def _ask(self, question: Question) -> None:
        self.rating_for = None  # a rating left pending belonged to the previous question
        self.say(f"\n[bold]{escape(question.prompt)}[/]")
        if question.sentence:
            self.say(f"[italic]“{escape(question.sentence)}”[/]")
        if question.hint:
            self.say(f"[dim]hint: {escape(question.hint)}[/]")
        for i, option in enumerate(question.options, 1):
            self.say(f"  {i}. {escape(option)}")
        self.say("[dim]answer with a number[/]" if question.options else "[dim]type the word[/]")

    async def _answer(self, question: Question, line: str) -> None:
        answer = await self.app.quiz.answer(self.me.id, question.id, line)
        item = answer.card.item
        verdict = "[green]✅ Right![/]" if answer.correct else "[red]❌ Not quite.[/]"
        self.say(f"{verdict} [bold]{escape(answer.card.front)}[/] — {escape(item.meaning)}")
        if answer.card.simulated:
            self.say(f"[yellow]{escape(texts.SIMULATED)}[/]")
        if not answer.correct:
            self.say(f"[italic]“{escape(item.sentence)}”[/] {escape(item.link or '')}")
        suggested = dict(texts.RATINGS)[int(answer.suggested)]
        self.say(f"How well did you know it? 1 Again 2 Hard 3 Good 4 Easy (Enter: {suggested})")
        self.rating_for = answer

    async def _rate(self, line: str) -> None:
        answer, self.rating_for = self.rating_for, None
        assert answer is not None
        try:
            rated = await self.app.quiz.rate(
                self.me.id, answer.question.id, int(line) if line else None
            )
        except QuestionExpired as exc:
            self.say(escape(exc.user_message))
            return
        self.say(f"[dim]Next review {texts.when(rated.due)}.[/]")
        await self._quiz("")

    async def _stats(self, _: str) -> None:
        self.say(escape(texts.stats_text(await self.app.quiz.stats(self.me.id))))
