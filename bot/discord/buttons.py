"""A deck page's buttons: persistent DynamicItems whose custom_id is their state.

◀ ▶ and the tab button show another page, "I know these" marks a page known, the export
buttons send a file. They outlive a restart (the id carries deck, tab and page); only the
deck's owner may press them, anyone else gets a polite ephemeral note.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any, ClassVar

import discord

from bot import texts
from bot.buttons import ID, PAGE
from bot.discord.common import (
    AnyItem,
    Inter,
    app_of,
    kind_code,
    kind_of,
    learner_tr,
    refuse,
)
from bot.discord.render import deck_embed
from bot.discord.translate import TranslateButton
from core import Actions, CardKind, DeckNotFound, DeckPage, Translator, User

log = logging.getLogger(__name__)

DECK_PAGE = rf"(?P<deck>{ID}):(?P<kind>[wp]):(?P<page>{PAGE})"
Button = discord.ui.Button[Any]


class DeckPageItem(discord.ui.DynamicItem[Button], template=rf"v:[pkm]:{DECK_PAGE}"):
    """A button about one page of one deck: its id is `PREFIX:deck:tab:page`."""

    PREFIX: ClassVar[str] = "v:p"

    def __init__(
        self, deck_id: int, kind: CardKind, page: int, label: str = "", **button: Any
    ) -> None:
        custom_id = f"{self.PREFIX}:{deck_id}:{kind_code(kind)}:{page}"
        label = label or self.default_label(page)
        super().__init__(discord.ui.Button(label=label, custom_id=custom_id, **button))
        self.deck_id, self.kind, self.page = deck_id, kind, page

    @staticmethod
    def default_label(page: int) -> str:
        return str(page + 1)

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> DeckPageItem:
        return cls(int(match["deck"]), kind_of(match["kind"]), int(match["page"]))

    async def act(self, actions: Actions, user: User) -> None:
        """What the press does before the page is shown again (nothing, to flip pages)."""

    async def callback(self, interaction: Inter) -> None:
        actions, (user, tr) = app_of(interaction).actions, await learner_tr(interaction)
        try:
            await self.act(actions, user)
            page = await actions.decks.page(user, self.deck_id, self.kind, self.page)
        except DeckNotFound:
            log.info("discord user %s pressed deck %s: not theirs", user.id, self.deck_id)
            await refuse(interaction, tr(texts.NOT_YOURS))
            return
        view = deck_view(tr, page, owner=interaction.user.id)
        view.message = interaction.message
        await interaction.response.edit_message(embed=deck_embed(tr, page), view=view)


class PageButton(DeckPageItem, template=rf"v:p:{DECK_PAGE}"):
    PREFIX = "v:p"


class MoreButton(DeckPageItem, template=rf"v:m:{DECK_PAGE}"):
    """ "More words": the first page of the tab's part past its first DECK_SIZE cards."""

    PREFIX = "v:m"


class KnowButton(DeckPageItem, template=rf"v:k:{DECK_PAGE}"):
    """ "I know these": every card on the page becomes a known word."""

    PREFIX = "v:k"

    def __init__(
        self, deck_id: int, kind: CardKind, page: int, label: str = "", **button: Any
    ) -> None:
        button.setdefault("style", discord.ButtonStyle.success)
        super().__init__(deck_id, kind, page, label, **button)

    @staticmethod
    def default_label(page: int) -> str:
        return "✓"

    async def act(self, actions: Actions, user: User) -> None:
        await actions.known.mark_page(user, self.deck_id, self.kind, self.page)


class ExportButton(
    discord.ui.DynamicItem[Button], template=rf"v:x:(?P<deck>{ID}):(?P<fmt>apkg|csv)"
):
    def __init__(self, deck_id: int, fmt: str) -> None:
        label = "⬇️ Anki" if fmt == "apkg" else "⬇️ CSV"
        super().__init__(discord.ui.Button(label=label, custom_id=f"v:x:{deck_id}:{fmt}"))
        self.deck_id, self.fmt = deck_id, fmt

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> ExportButton:
        return cls(int(match["deck"]), match["fmt"])

    async def callback(self, interaction: Inter) -> None:
        await send_export(interaction, self.fmt, self.deck_id)


async def send_export(interaction: Inter, fmt: str, deck_id: int | None = None) -> None:
    """One deck (or the latest) as a file, ephemeral; someone else's deck is refused."""
    actions, (user, tr) = app_of(interaction).actions, await learner_tr(interaction)
    try:
        if deck_id is not None:
            await actions.decks.get(user, deck_id)  # before deferring: a refusal stays polite
    except DeckNotFound:
        await refuse(interaction, tr(texts.NOT_YOURS))
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    exported = await actions.decks.export(
        user, "csv" if fmt == "csv" else "apkg", deck_id, latest=deck_id is None
    )
    file = discord.File(io.BytesIO(exported.data), filename=exported.filename)
    await interaction.followup.send(file=file, ephemeral=True)


class DeckView(discord.ui.View):
    """A deck page's buttons: only its owner may press; disabled after a quiet while.

    The buttons are persistent DynamicItems, so a page left before a restart still works;
    in a running bot, a page nobody touched for `TIMEOUT` seconds has its buttons disabled
    (the deck stays one /decks away).
    """

    TIMEOUT = 15 * 60.0

    def __init__(self, owner: int) -> None:
        super().__init__(timeout=self.TIMEOUT)
        self.owner = owner
        self.message: Any = None  # set when the page is shown

    async def interaction_check(self, interaction: Inter) -> bool:
        if interaction.user.id == self.owner:
            return True
        # discord.py sends nothing when this returns False: refuse politely ourselves.
        _, tr = await learner_tr(interaction)
        await refuse(interaction, tr(texts.NOT_YOURS))
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.DynamicItem):
                button = getattr(item, "item", item)
                button.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException as exc:
                log.info("could not disable an old page's buttons: %s", exc)


def deck_view(tr: Translator, page: DeckPage, *, owner: int) -> DeckView:
    view = DeckView(owner)
    deck, kind = page.deck, page.kind
    previous, following = max(page.page - 1, 0), min(page.page + 1, page.pages - 1)
    view.add_item(PageButton(deck.id, kind, previous, "◀", disabled=not page.has_previous))
    view.add_item(PageButton(deck.id, kind, following, "▶", disabled=not page.has_next))
    if page.offers_more:  # the rest of the tab, one press away
        more = texts.more_button(tr, kind, page.more)
        view.add_item(MoreButton(deck.id, kind, page.more_page, more))
    other = page.other_kind
    if other == "phrase":
        label = f"💬 {tr(texts.PHRASES)} ({deck.phrases})"
    else:
        label = f"📖 {tr(texts.WORDS)} ({deck.words})"
    view.add_item(PageButton(deck.id, other, 0, label, style=discord.ButtonStyle.secondary))
    if page.unknown:
        view.add_item(KnowButton(deck.id, kind, page.page, tr("✓ I know these")))
    view.add_item(ExportButton(deck.id, "apkg"))
    view.add_item(ExportButton(deck.id, "csv"))
    for shown in page.cards[:5]:  # "translate the sentence", by the card's number
        view.add_item(TranslateButton(shown.card.id, f"🌐{shown.number}", row=4))
    return view
