"""The Actions: one method per user action, each returning core's own values."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Iterable
from dataclasses import replace

from core import errors
from core.actions._habit import HabitActions
from core.actions._operate import Operating
from core.actions._rules import check_deck_size, check_settings, export_filename, first_kind
from core.actions._study import Clock, StudyActions
from core.actions._translate import TranslateActions
from core.actions._values import (
    EXPORT_FORMATS,
    LOCAL_PLATFORM,
    MEDIA_TYPES,
    Cancelled,
    DeckPage,
    ExportFile,
    ExportFormat,
    KnownResult,
    PageCard,
    QuizTurn,
    RateResult,
    StudyConfig,
    tab_pages,
    tab_span,
)
from core.admin import Pacer, Sender
from core.deckparts import shown_part
from core.export import apkg_bytes, csv_bytes
from core.i18n import INTERFACE_LANGUAGES, Translator, translator
from core.jobs import Announce, JobHandle, Listener, Runner
from core.metrics import Metrics
from core.models import DEFAULT_DECK_SIZE, shown_counts
from core.reminders import Reminders
from core.spending import Spending
from core.srs import Answer, Question, Quiz, Stats
from core.store import Card, CardKind, DeckInfo, JobRecord, Notify, Store, User
from core.subtitles import DEFAULT_MAX_BYTES, read_upload
from core.translation import SentenceTranslator


class Actions(StudyActions, TranslateActions, HabitActions, Operating):
    """Every user action, in core's own types. One instance per process, shared by faces."""

    def __init__(
        self,
        *,
        store: Store,
        runner: Runner | None,
        quiz: Quiz,
        default_learner_language: str = "ko",
        default_level: str = "B1",
        upload_max_bytes: int = DEFAULT_MAX_BYTES,
        max_video_minutes: int = 180,
        study: StudyConfig | None = None,
        metrics: Metrics | None = None,
        spending: Spending | None = None,
        admins: frozenset[str] = frozenset(),
        broadcast_per_second: float = 20.0,
        deck_size: int = DEFAULT_DECK_SIZE,
        sentences: SentenceTranslator | None = None,
    ) -> None:
        self.store = store
        self.study = study or StudyConfig()
        self.clock = Clock()
        self._runner = runner  # None where no deck is built (`vocabot export`, keys)
        self.quiz = quiz
        self.default_learner_language = default_learner_language
        self.default_level = default_level
        self.upload_max_bytes = upload_max_bytes
        self.max_video_minutes = max_video_minutes  # a file with more cues is not a video
        self.metrics = metrics or Metrics()
        self.spending = spending or Spending(store, metrics=self.metrics)
        self.admins = admins  # "platform:id" of each admin (ADMIN_USER_IDS)
        self.senders: dict[str, Sender] = {}  # set by the faces that can broadcast
        self.pacer = Pacer(broadcast_per_second)
        self.default_deck_size = deck_size  # DECK_SIZE, for learners who did not pick one
        self.sentences = sentences  # None where this process calls no LLM (a queue front)
        self._translating = {}
        # The daily reminder: faces add their senders; the composition root runs it.
        self.reminders = Reminders(
            store, self.habit, self.pacer, clock=quiz.clock, metrics=self.metrics
        )

    @property
    def runner(self) -> Runner:
        if self._runner is None:
            raise RuntimeError("this process has no job runner (opened without an LLM)")
        return self._runner

    # users

    async def user(
        self, platform: str, platform_user_id: str | int, *, client_language: str | None = None
    ) -> User:
        """The learner behind a platform account, created with the defaults on first sight.

        `client_language` is the language their chat client says it uses (it decides the
        bot's language until they pick one); it is written only when it changed."""
        user = await self.store.get_or_create_user(
            platform,
            str(platform_user_id),
            learner_language=self.default_learner_language,
            level=self.default_level,
        )
        if client_language and client_language != user.client_language:
            user = await self.store.update_user(user.id, client_language=client_language)
        return await self.seen(user)

    @staticmethod
    def translator(user: User) -> Translator:
        """The bot's words in this learner's interface language."""
        return translator(user.ui_language)

    async def update_settings(
        self,
        user: User,
        *,
        learner_language: str | None = None,
        level: str | None = None,
        interface_language: str | None = None,
        deck_size: str | int | None = None,
    ) -> User:
        """Change what is given; `level` may be CEFR, a TOEIC score or a 수능 grade
        (BadLevel otherwise), `deck_size` a number in range (BadDeckSize otherwise)."""
        learner_language, level = check_settings(learner_language, level)
        if interface_language is not None and interface_language not in INTERFACE_LANGUAGES:
            raise errors.BadSetting(f"interface language {interface_language!r}")
        size = check_deck_size(deck_size) if deck_size is not None else None
        return await self.store.update_user(
            user.id,
            learner_language=learner_language,
            level=level,
            interface_language=interface_language,
            deck_size=size,
        )

    def deck_size(self, user: User) -> int:
        """How many of a deck's best cards this learner gets first."""
        return user.deck_size or self.default_deck_size

    def shown(self, user: User, info: DeckInfo) -> tuple[int, int]:
        """(words, phrases) of this deck in its shown part, for this learner."""
        return shown_counts(info.words, info.phrases, self.deck_size(user))

    @staticmethod
    def with_settings(
        user: User, *, learner_language: str | None = None, level: str | None = None
    ) -> User:
        """The learner as one request asks (its learner language and level over their own,
        this once, not saved), checked by the same rule as a saved setting (BadSetting)."""
        learner_language, level = check_settings(learner_language, level)
        return replace(
            user,
            learner_language=learner_language or user.learner_language,
            level=level or user.level,
        )

    # links

    async def submit(
        self,
        user: User,
        video_id: str,
        *,
        notify: Notify | None = None,
        listener: Listener | None = None,
        source_key: str | None = None,
        announce: Announce | None = None,
        refresh: bool = False,
    ) -> JobHandle:
        """Start, join or serve from the cache a deck of this video for this learner.

        `announce` is the face's immediate reply, sent once the job's row exists;
        `source_key` (platform, chat, message) makes a redelivered request the same job;
        `refresh` rebuilds a deck the cache already has. The learner's settings are checked
        here, whichever face built them (BadSetting).
        """
        user = self.with_settings(user, learner_language=user.learner_language, level=user.level)
        return await self.runner.submit(
            user,
            video_id,
            notify=notify,
            listener=listener,
            source_key=source_key,
            announce=announce,
            refresh=refresh,
        )

    async def submit_file(
        self,
        user: User,
        data: bytes,
        filename: str,
        *,
        hint: str = "",
        notify: Notify | None = None,
        listener: Listener | None = None,
        source_key: str | None = None,
        announce: Announce | None = None,
        refresh: bool = False,
    ) -> JobHandle:
        """A deck from a subtitle file the learner sent; `hint` (its caption) may link it to
        a video. A bad file is refused here, before any job exists."""
        upload = await asyncio.to_thread(
            read_upload,
            data,
            filename,
            hint=hint,
            max_bytes=self.upload_max_bytes,
            max_minutes=self.max_video_minutes,
        )
        await self.store.save_upload(upload)
        try:
            return await self.submit(
                user,
                upload.key,
                notify=notify,
                listener=listener,
                source_key=source_key,
                announce=announce,
                refresh=refresh,
            )
        except errors.VocabotError:
            # Refused (a limit, a quota): no job names the file, so nothing keeps it.
            await self.store.drop_unused_upload(upload.key)
            raise

    async def local_user(self, *, client_language: str | None = None) -> User:
        """The learner at this terminal: the console chat and the CLI share their decks."""
        return await self.user(
            LOCAL_PLATFORM, getpass.getuser() or "local", client_language=client_language
        )

    async def cancel(self, user: User, job_id: str | None = None) -> Cancelled:
        """Stop this learner's videos (or one of them), and close an open quiz."""
        videos = await self.runner.cancel(user.id, job_id) if self._runner else 0
        ended = await self.quiz.end(user.id) if job_id is None else False
        return Cancelled(videos, ended)

    async def job(self, user: User, job_id: str) -> JobRecord | None:
        """One of this learner's jobs (None if it is not theirs), live progress included."""
        record = await self.store.get_job(user.id, job_id)
        live = self.runner.progress(user.id, job_id)
        if record is None or live is None:
            return record
        return replace(record, progress=live)

    def follow(self, user: User, job_id: str, listener: Listener) -> bool:
        """Tell `listener` a running job's progress until it ends (False: it is not running)."""
        return self.runner.subscribe(user.id, job_id, listener)

    # decks

    async def decks(self, user: User) -> list[DeckInfo]:
        return await self.store.list_decks(user.id)

    async def deck(self, user: User, deck_id: int) -> DeckInfo:
        """One of this learner's decks; someone else's id is DeckNotFound, like a missing one."""
        info = await self.store.get_deck(user.id, deck_id)
        if info is None:
            raise errors.DeckNotFound(f"deck {deck_id} of user {user.id}")
        return info

    async def cards(self, user: User, deck_id: int, *, shown_only: bool = False) -> list[Card]:
        """A deck's cards, words first, each kind in rank order; with `shown_only`, only its
        shown part (the learner's first DECK_SIZE cards). None for another learner's deck."""
        cards = await self.store.deck_cards(user.id, deck_id)
        return shown_part(cards, self.deck_size(user)) if shown_only else cards

    async def page(
        self, user: User, deck_id: int, kind: CardKind | None = None, page: int = 0
    ) -> DeckPage:
        """A page of a deck; `kind` None opens the deck's first tab.

        A tab's pages hold its shown part first (the learner's best DECK_SIZE cards), then,
        from `DeckPage.more_page` on, the rest ("More words"): the same numbers throughout."""
        info = await self.deck(user, deck_id)
        return await self._page(user, info, kind or first_kind(info), page)

    async def _page(self, user: User, info: DeckInfo, kind: CardKind, page: int) -> DeckPage:
        cards = await self.store.deck_cards(user.id, info.id, kind)
        known = await self.store.known_words(user.id)
        words, phrases = self.shown(user, info)
        shown = min(len(cards), words if kind == "word" else phrases)
        pages = tab_pages(len(cards), shown)
        page = min(max(page, 0), pages - 1)
        start, end = tab_span(page, len(cards), shown)
        listed = tuple(
            PageCard(start + i + 1, card, card.key in known)
            for i, card in enumerate(cards[start:end])
        )
        return DeckPage(info, kind, page, pages, len(cards), listed, shown)

    async def card(self, user: User, card_id: int) -> Card:
        """One of this learner's cards; someone else's id is DeckNotFound, like a missing one."""
        card = await self.store.get_card(user.id, card_id)
        if card is None:
            raise errors.DeckNotFound(f"card {card_id} of user {user.id}")
        return card

    # known words

    async def known_words(self, user: User) -> list[str]:
        return sorted(await self.store.known_words(user.id))

    async def mark_known(self, user: User, words: Iterable[str]) -> KnownResult:
        clean = tuple(dict.fromkeys(w.strip().lower() for w in words if w.strip()))
        added = await self.store.add_known_words(user.id, clean)
        return KnownResult(clean, added)

    async def mark_card_known(self, user: User, deck_id: int, card_id: int) -> KnownResult:
        """One card of a deck (its ✓ button)."""
        info = await self.deck(user, deck_id)
        card = await self.store.get_card(user.id, card_id)
        if card is None or card.deck_id != info.id:
            raise errors.DeckNotFound(f"card {card_id} of deck {deck_id}")
        return await self.mark_known(user, [card.key])

    async def mark_page_known(
        self, user: User, deck_id: int, kind: CardKind, page: int
    ) -> KnownResult:
        """Every card on one page ("I know all of these")."""
        shown = await self.page(user, deck_id, kind, page)
        return await self.mark_known(user, [c.card.key for c in shown.cards])

    async def mark_numbers_known(
        self, user: User, deck_id: int, kind: CardKind, numbers: Iterable[int]
    ) -> KnownResult:
        """Cards by the numbers shown on the deck's pages ("/known 3 7")."""
        info = await self.deck(user, deck_id)
        cards = await self.store.deck_cards(user.id, info.id, kind)
        wanted = list(dict.fromkeys(numbers))
        bad = tuple(n for n in wanted if not 0 < n <= len(cards))
        result = await self.mark_known(user, [cards[n - 1].key for n in wanted if n not in bad])
        return KnownResult(result.words, result.added, bad)

    # export

    async def export(
        self,
        user: User,
        fmt: ExportFormat,
        deck_id: int | None = None,
        *,
        latest: bool = False,
        shown_only: bool = False,
    ) -> ExportFile:
        """One deck, the latest deck (`latest`), or all of them, as Anki or CSV bytes: every
        card, or with `shown_only` each deck's shown part (its first DECK_SIZE cards)."""
        if fmt not in EXPORT_FORMATS:
            raise errors.BadSetting(f"export format {fmt!r}")
        if deck_id is not None:
            chosen = [await self.deck(user, deck_id)]
        else:
            chosen = await self.decks(user)
            if latest:
                chosen = chosen[:1]
        if not chosen:
            raise errors.NoDecks(f"user {user.id}")
        cards: list[Card] = []
        for info in chosen:
            cards += await self.cards(user, info.id, shown_only=shown_only)
        single = chosen[0] if len(chosen) == 1 else None
        fallback = f"vocabot-{user.platform}-{user.platform_user_id}"
        filename = export_filename(single, fmt, fallback=fallback)
        if fmt == "csv":
            data = csv_bytes(cards)
        else:
            name = filename.rsplit(".", 1)[0]
            data = await apkg_bytes(
                cards,
                deck_name=f"vocabot::{name}",
                owner=str(user.id),
                tr=translator(user.ui_language),
            )
        return ExportFile(filename, data, MEDIA_TYPES[fmt], len(cards), len(chosen))

    # quiz

    async def quiz_next(self, user: User) -> QuizTurn:
        """The open question again, or the next one; if none, why not."""
        question = await self.quiz.next_question(user.id)
        if question is not None:
            return QuizTurn(question)
        if not await self.store.user_cards(user.id):
            return QuizTurn(None, no_cards=True)
        return QuizTurn(None, stats=await self.quiz.stats(user.id), habit=await self.habit(user))

    async def quiz_current(self, user: User) -> Question | None:
        return await self.quiz.current(user.id)

    async def quiz_answer(self, user: User, question_id: str, given: str) -> Answer:
        answer = await self.quiz.answer(user.id, question_id, given)
        if not answer.duplicate:
            self.metrics.quiz_answers.labels("correct" if answer.correct else "wrong").inc()
        return answer

    async def quiz_rate(self, user: User, question_id: str, rating: int | None) -> RateResult:
        """Schedule the card; the next turn comes with it unless this was a repeat press."""
        if rating is not None and not 1 <= rating <= 4:
            raise errors.BadSetting(f"rating {rating}")
        rated = await self.quiz.rate(user.id, question_id, rating)
        return RateResult(rated, None if rated.duplicate else await self.quiz_next(user))

    async def stats(self, user: User) -> Stats:
        return await self.quiz.stats(user.id)
