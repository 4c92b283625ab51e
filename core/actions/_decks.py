"""A learner's decks: listed, paged, exported, and the words they mark as known."""

from __future__ import annotations

from collections.abc import Iterable

from core import errors
from core.actions._learners import Learners
from core.actions._parts import Part, Shared
from core.actions._rules import export_filename, first_kind
from core.actions._values import (
    EXPORT_FORMATS,
    MEDIA_TYPES,
    DeckPage,
    ExportFile,
    ExportFormat,
    KnownResult,
    PageCard,
    tab_pages,
    tab_span,
)
from core.deckparts import shown_part
from core.export import apkg_bytes, csv_bytes
from core.i18n import translator
from core.store import Card, CardKind, DeckInfo, User


class Decks(Part):
    def __init__(self, shared: Shared, learners: Learners) -> None:
        super().__init__(shared)
        self._learners = learners

    async def all(self, user: User) -> list[DeckInfo]:
        """This learner's decks, the latest first."""
        return await self._store.list_decks(user.id)

    async def get(self, user: User, deck_id: int) -> DeckInfo:
        """One of this learner's decks; someone else's id is DeckNotFound, like a missing one."""
        info = await self._store.get_deck(user.id, deck_id)
        if info is None:
            raise errors.DeckNotFound(f"deck {deck_id} of user {user.id}")
        return info

    async def cards(
        self, user: User, deck_id: int, kind: CardKind | None = None, *, shown_only: bool = False
    ) -> list[Card]:
        """A deck's cards (of one `kind`, or words first), each kind in rank order; with
        `shown_only`, only its shown part (the learner's first DECK_SIZE cards). None for
        another learner's deck."""
        cards = await self._store.deck_cards(user.id, deck_id, kind)
        return shown_part(cards, self._learners.deck_size(user)) if shown_only else cards

    async def page(
        self, user: User, deck_id: int, kind: CardKind | None = None, page: int = 0
    ) -> DeckPage:
        """A page of a deck; `kind` None opens the deck's first tab.

        A tab's pages hold its shown part first (the learner's best DECK_SIZE cards), then,
        from `DeckPage.more_page` on, the rest ("More words"): the same numbers throughout."""
        info = await self.get(user, deck_id)
        kind = kind or first_kind(info)
        cards = await self._store.deck_cards(user.id, info.id, kind)
        known = await self._store.known_words(user.id)
        words, phrases = self._learners.shown(user, info)
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
        card = await self._store.get_card(user.id, card_id)
        if card is None:
            raise errors.DeckNotFound(f"card {card_id} of user {user.id}")
        return card

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
            chosen = [await self.get(user, deck_id)]
        else:
            chosen = await self.all(user)
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


class Known(Part):
    """The words a learner knows: they leave their quizzes and their future decks."""

    def __init__(self, shared: Shared, decks: Decks) -> None:
        super().__init__(shared)
        self._decks = decks

    async def words(self, user: User) -> list[str]:
        return sorted(await self._store.known_words(user.id))

    async def mark(self, user: User, words: Iterable[str]) -> KnownResult:
        clean = tuple(dict.fromkeys(w.strip().lower() for w in words if w.strip()))
        added = await self._store.add_known_words(user.id, clean)
        return KnownResult(clean, added)

    async def mark_card(self, user: User, deck_id: int, card_id: int) -> KnownResult:
        """One card of a deck (its ✓ button)."""
        info = await self._decks.get(user, deck_id)
        card = await self._store.get_card(user.id, card_id)
        if card is None or card.deck_id != info.id:
            raise errors.DeckNotFound(f"card {card_id} of deck {deck_id}")
        return await self.mark(user, [card.key])

    async def mark_page(self, user: User, deck_id: int, kind: CardKind, page: int) -> KnownResult:
        """Every card on one page ("I know all of these")."""
        shown = await self._decks.page(user, deck_id, kind, page)
        return await self.mark(user, [c.card.key for c in shown.cards])

    async def mark_numbers(
        self, user: User, deck_id: int, kind: CardKind, numbers: Iterable[int]
    ) -> KnownResult:
        """Cards by the numbers shown on the deck's pages ("/known 3 7")."""
        info = await self._decks.get(user, deck_id)
        cards = await self._store.deck_cards(user.id, info.id, kind)
        wanted = list(dict.fromkeys(numbers))
        bad = tuple(n for n in wanted if not 0 < n <= len(cards))
        result = await self.mark(user, [cards[n - 1].key for n in wanted if n not in bad])
        return KnownResult(result.words, result.added, bad)
