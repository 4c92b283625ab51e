"""`vocabot chat`: the whole bot in a terminal, on the same actions as Telegram and Discord.

Paste a link, flip pages, mark words as known, take the quiz, see your stats. With no
tokens it runs on embedded defaults: the bundled samples (vocabDemo01, vocabDemo02), the
bundled simulated vLLM server and a local SQLite file. The learner here is the same one
`vocabot build` and `vocabot export` use.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bot import texts
from bot.app import App
from bot.console.builds import BuildChat, file_path
from bot.console.ops import OpsChat
from bot.console.quiz import QuizChat
from bot.console.render import page_view
from bot.console.settings import SettingsChat
from bot.console.terminal import ReadLine, read_stdin, terminal_language
from bot.console.translate import TRANSLATE_HELP, TranslateChat
from core import (
    EXPORT_FORMATS,
    N_,
    Answer,
    CardKind,
    DeckNotFound,
    ExportFormat,
    Translator,
    User,
    VocabotError,
    error_message,
    find_video_id,
    interface_language,
    translator,
)

log = logging.getLogger(__name__)

HELP = N_(
    "vocabot chat — paste a YouTube link (try vocabDemo01 or vocabDemo02).\n"
    "\n"
    "  /next /prev      flip pages          /words /phrases   switch lists\n"
    "  /known 3         I know card 3       /known word       never show me a word\n"
    "  /decks /open N   your decks          /export csv|apkg [file]\n"
    "  /quiz            review your words   /stats            your progress\n"
    "  /settings ja B2  meaning language and level (/settings ui en|ko: my language)\n"
    "  /cancel          stop a video or the quiz            /help  /quit"
)
MORE_HELP = N_(
    "  /more            the rest of a deck, past its first cards  "
    "/export csv shown  only the first cards\n"
    "  /settings size 20 · /settings level toeic 650 (or B2, or 수능 2등급)"
)
SERVE_API_NOTE = N_(
    "The link opens only while `vocabot serve-api` runs on this machine: start it in "
    "another terminal first (this chat serves no web page)."
)
RATING_KEYS = ("1", "2", "3", "4")


@dataclass
class View:
    deck_id: int
    kind: CardKind | None = None  # None: the deck's first tab
    page: int = 0


class ConsoleChat(BuildChat, QuizChat, OpsChat, SettingsChat, TranslateChat):
    def __init__(self, app: App, console: Console, read_line: ReadLine = read_stdin) -> None:
        self.app = app
        self.actions = app.actions
        self.console = console
        self.read_line = read_line
        BuildChat.__init__(self)
        self.view: View | None = None
        self.rating_for: Answer | None = None
        self.answered_card: int | None = None
        self.user: User | None = None
        self.commands: dict[str, Callable[[str], Awaitable[None]]] = {
            "/help": self._help,
            "/next": self._next,
            "/prev": self._prev,
            "/more": self._more,
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
            "/web": self._web,
            "/privacy": self._privacy,
            "/forget": self._forget,
            "/admin": self._admin,
            "/translate": self._translate,
        }

    async def run(self) -> None:
        self.user = await self.actions.learners.local(client_language=terminal_language())
        self.tell(self.tr(HELP))
        self.tell(self.tr(MORE_HELP))
        self.tell(self.tr(TRANSLATE_HELP))
        self.tell(self.tr(texts.WEB_HELP))
        try:
            while True:
                line = await self.next_line()
                if line is None or line.strip() in ("/quit", "/exit"):
                    break
                try:
                    await self.handle(line.strip())
                except VocabotError as exc:
                    self.say(f"[red]{escape(error_message(exc, self.tr))}[/]")
        finally:  # /quit, the end of input, or Ctrl-C
            self.stop_reading()
            self.say("\n" + escape(self.tr("Bye! Your decks are saved.")))

    def say(self, text: str) -> None:
        self.console.print(text)

    def tell(self, text: str) -> None:
        """Plain text (no rich markup in it is interpreted)."""
        self.say(escape(text))

    @property
    def me(self) -> User:
        assert self.user is not None
        return self.user

    @property
    def tr(self) -> Translator:
        # After /forget there is no learner: the terminal's language ("ko_KR" is Korean).
        return translator(
            self.user.ui_language if self.user else interface_language(terminal_language())
        )

    async def handle(self, line: str) -> None:
        if self.user is None:  # after /forget: a new learner, nothing of the old one
            self.user = await self.actions.learners.local(client_language=terminal_language())
            self.view, self.rating_for, self.answered_card = None, None, None
        if self.rating_for is not None:
            if not line or line in RATING_KEYS:
                await self._rate(line)
                return
            if line.isdigit():
                suggested = texts.rating_name(self.tr, int(self.rating_for.suggested))
                self.say(
                    self.tr(
                        "Rate it from 1 (Again) to 4 (Easy), or press Enter for {rating}.",
                        rating=suggested,
                    )
                )
                return
        if not line:
            return
        command, _, rest = line.partition(" ")
        handler = self.commands.get(command.lower())
        if handler is not None:
            await handler(rest.strip())
        elif (path := file_path(line)) is not None:  # before commands and ids: /home/me/a.srt
            await self._build_file(path)
        elif command.startswith("/"):
            log.info("unknown console command %r", command[:40])
            self.tell(self.tr(texts.UNKNOWN_COMMAND))
        elif (video_id := find_video_id(line)) is not None:
            await self._build(video_id)
        elif (question := await self.actions.quiz.current(self.me)) is not None:
            await self._answer(question, line)
        else:
            self.tell(self.tr(texts.NOT_A_LINK))

    # -- decks ---------------------------------------------------------------------------

    def open_tab(self) -> tuple[int, CardKind | None] | None:
        """The deck and tab on screen (/translate N counts its cards)."""
        return (self.view.deck_id, self.view.kind) if self.view else None

    async def _after_build(self, deck_id: int) -> None:
        self.view = View(deck_id)
        await self._show()

    async def _show(self) -> None:
        if self.view is None:
            self.tell(self.tr("No deck open: paste a link, or /decks."))
            return
        try:
            page = await self.actions.decks.page(
                self.me, self.view.deck_id, self.view.kind, self.view.page
            )
        except DeckNotFound:
            self.view = None
            raise
        self.view.kind, self.view.page = page.kind, page.page
        self.console.print(page_view(self.tr, page, self.console.width))
        self.say("[dim]/next /prev /words /phrases /known N /quiz[/]")

    async def _help(self, _: str) -> None:
        self.tell(self.tr(HELP))
        self.tell(self.tr(MORE_HELP))
        self.tell(self.tr(TRANSLATE_HELP))
        self.tell(self.tr(texts.WEB_HELP))

    async def _web(self, _: str) -> None:
        link = await self.actions.study.sign_in_link(self.me)
        self.console.print(
            escape(texts.web_link_text(self.tr, link.minutes, link.url)), soft_wrap=True
        )
        self.say(f"[dim]{escape(self.tr(SERVE_API_NOTE))}[/]")  # the chat serves no web page

    async def _flip(self, by: int) -> None:
        if self.view:
            self.view.page = max(0, self.view.page + by)
        await self._show()

    async def _next(self, _: str) -> None:
        """The next page of the deck's shown part; at its end, a pointer to /more."""
        if self.view is not None:
            page = await self.actions.decks.page(
                self.me, self.view.deck_id, self.view.kind, self.view.page
            )
            if page.offers_more and not page.has_next:
                self.tell(texts.more_hint(self.tr, page.shown_count, page.more))
                return
        await self._flip(1)

    async def _more(self, _: str) -> None:
        """The rest of the deck past its shown part ("More words"), then page by page."""
        if self.view is not None:
            page = await self.actions.decks.page(
                self.me, self.view.deck_id, self.view.kind, self.view.page
            )
            self.view.page = page.more_page if page.offers_more else page.page + 1
        await self._show()

    async def _prev(self, _: str) -> None:
        await self._flip(-1)

    async def _tab(self, kind: CardKind) -> None:
        if self.view:
            self.view.kind, self.view.page = kind, 0
        await self._show()

    async def _words(self, _: str) -> None:
        await self._tab("word")

    async def _phrases(self, _: str) -> None:
        await self._tab("phrase")

    async def _known(self, rest: str) -> None:
        if not rest:
            known = await self.actions.known.words(self.me)
            listing = ", ".join(known) or self.tr("none yet")
            self.say(
                escape(
                    self.tr("Words you know ({count}): {words}", count=len(known), words=listing)
                )
            )
            return
        numbers = [int(w) for w in rest.split() if w.isdigit()]
        words = [w for w in rest.split() if not w.isdigit()]
        picked: list[str] = []
        if numbers:
            if self.view is None or self.view.kind is None:
                self.say(
                    escape(
                        self.tr(
                            "Open a deck first to mark cards by number (paste a link, or /decks)."
                        )
                    )
                )
                return
            by_number = await self.actions.known.mark_numbers(
                self.me, self.view.deck_id, self.view.kind, numbers
            )
            picked += by_number.words
            if by_number.bad_numbers:
                page = await self.actions.decks.page(self.me, self.view.deck_id, self.view.kind)
                missing = ", ".join(map(str, by_number.bad_numbers))
                self.say(
                    escape(
                        self.tr(
                            "No card {numbers} here: this list has cards 1–{total}.",
                            numbers=missing,
                            total=page.total,
                        )
                    )
                )
        if words:
            picked += (await self.actions.known.mark(self.me, words)).words
        if not picked:
            return
        self.say(
            escape(
                self.tr(
                    "✓ Known: {words}. They leave your quizzes and new decks.",
                    words=", ".join(picked),
                )
            )
        )
        if self.view:
            await self._show()

    async def _decks(self, _: str) -> None:
        decks = await self.actions.decks.all(self.me)
        if not decks:
            self.tell(self.tr(texts.NO_DECKS))
            return
        for i, deck in enumerate(decks, 1):
            name = escape(deck.title or deck.video_id or self.tr("deck"))
            counts = texts.deck_counts(self.tr, deck.words, deck.phrases)
            self.say(f"  {i}. {name} · {escape(counts)}")
        hint = self.tr("/open N to open one")
        self.say(f"[dim]{escape(hint)}[/]")

    async def _open(self, rest: str) -> None:
        decks = await self.actions.decks.all(self.me)
        if not rest.isdigit() or not 0 < int(rest) <= len(decks):
            self.tell(self.tr("Usage: /open N (see /decks)"))
            return
        self.view = View(decks[int(rest) - 1].id)
        await self._show()

    async def _export(self, rest: str) -> None:
        if self.view is None:
            self.tell(self.tr("Open a deck first (paste a link, or /decks)."))
            return
        fmt, _, target = rest.partition(" ")
        fmt = fmt or "csv"
        shown_only = target.split(" ", 1)[0] == "shown"  # `/export csv shown`: first cards
        target = target.removeprefix("shown").strip() if shown_only else target
        if fmt not in EXPORT_FORMATS:
            self.tell(self.tr("Usage: /export csv|apkg [file]"))
            return
        chosen: ExportFormat = "csv" if fmt == "csv" else "apkg"
        exported = await self.actions.decks.export(
            self.me, chosen, self.view.deck_id, shown_only=shown_only
        )
        path = Path(target or exported.filename)
        await asyncio.to_thread(path.write_bytes, exported.data)
        self.say(
            escape(
                self.tr(
                    "Saved {cards} to {path}",
                    cards=texts.cards_count(self.tr, exported.cards),
                    path=str(path),
                )
            )
        )

    async def _cancel(self, _: str) -> None:
        cancelled = await self.actions.builds.cancel(self.me)
        self.rating_for = None
        self.say(escape(texts.cancel_text(self.tr, cancelled.videos, cancelled.quiz_ended)))
