"""Telegram button presses: one handler per action, routed by PTB on the data's pattern.

Every press is answered (a press left unanswered spins on the user's screen). A press is
checked against the presser's own data: another learner's deck, a question that is over, or
data that matches no pattern gets a polite alert, in the presser's language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import habit_texts, ops_texts, texts
from bot.telegram.callback_data import ACTIONS, Press
from bot.telegram.commands import settings_view, turn_view
from bot.telegram.context import Context, edit_pressed, learner_tr, services
from bot.telegram.keyboards import page_keyboard, rating_keyboard
from bot.telegram.render import answer_html, esc, page_html, translation_html
from bot.telegram.study import mini_app_url, with_study_button
from core import (
    Actions,
    BadSetting,
    CardKind,
    DeckNotFound,
    ExportFormat,
    QuestionExpired,
    Settings,
    Translator,
    User,
    VocabotError,
    error_message,
    translator,
)

log = logging.getLogger(__name__)


class Pressed:
    """One press being handled: the query, the actions, the presser, their language."""

    def __init__(
        self,
        query: CallbackQuery,
        actions: Actions,
        user: User,
        tr: Translator,
        settings: Settings | None = None,
    ):
        self.query, self.actions, self.user, self.tr = query, actions, user, tr
        self.settings = settings  # for the study page's Mini App button

    def study(self, page: str) -> str | None:
        return mini_app_url(self.settings, page) if self.settings else None

    async def show(self, deck_id: int, kind: CardKind | None, page: int, note: str = "") -> None:
        """Redraw the pressed message as a deck page, then answer the press."""
        shown = await self.actions.decks.page(self.user, deck_id, kind, page)
        markup = with_study_button(
            page_keyboard(self.tr, shown), self.tr, self.study(f"decks/{deck_id}")
        )
        await edit_pressed(self.query, page_html(self.tr, shown), markup)
        await self.query.answer(note)


Act = Callable[[Pressed, Press], Awaitable[None]]


def _routed(action: str, act: Act) -> CallbackQueryHandler[Context, None]:
    pattern, build = ACTIONS[action]

    async def handler(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        match = context.matches[0] if context.matches else None
        if not isinstance(match, re.Match):  # PTB routes empty data to any pattern
            await stale(update, context)
            return
        press = build(match)
        user, tr = await learner_tr(update, context)
        try:
            found = services(context)
            await act(Pressed(query, found.actions, user, tr, found.app.settings), press)
        except DeckNotFound:
            log.info("user %s pressed %r of a deck that is not theirs", user.id, query.data)
            await query.answer(tr(texts.NOT_YOURS), show_alert=True)
        except QuestionExpired as exc:
            await query.answer(error_message(exc, tr), show_alert=True)
        except BadSetting:
            await query.answer(tr(texts.EXPIRED), show_alert=True)

    return CallbackQueryHandler(handler, pattern=pattern)


async def show_page(p: Pressed, press: Press) -> None:
    kind = press.kind if press.action == "p" else None  # an opened deck: its first tab
    await p.show(press.deck_id, kind, press.page)


async def know_card(p: Pressed, press: Press) -> None:
    result = await p.actions.known.mark_card(p.user, press.deck_id, press.card_id)
    card = await p.actions.decks.card(p.user, press.card_id)  # it is theirs: just marked
    word = result.words[0] if result.words else ""
    note = p.tr("✓ “{word}” is known: it leaves your quizzes and future decks.", word=word)
    await p.show(press.deck_id, card.kind, press.page, note)


async def know_page(p: Pressed, press: Press) -> None:
    result = await p.actions.known.mark_page(p.user, press.deck_id, press.kind, press.page)
    note = p.tr.plural("✓ {n} marked as known.", "✓ {n} marked as known.", len(result.words))
    await p.show(press.deck_id, press.kind, press.page, note)


async def export(p: Pressed, press: Press) -> None:
    await p.actions.decks.get(p.user, press.deck_id)  # someone else's deck: refused before any work
    await p.query.answer(p.tr(texts.PREPARING_FILE))
    fmt: ExportFormat = "csv" if press.value == "csv" else "apkg"
    exported = await p.actions.decks.export(p.user, fmt, press.deck_id)
    chat = p.query.message.chat if p.query.message else None
    if chat is not None:
        await p.query.get_bot().send_document(
            chat.id,
            document=exported.data,
            filename=exported.filename,
            caption=texts.cards_count(p.tr, exported.cards),
        )


async def change_setting(p: Pressed, press: Press) -> None:
    if press.action == "sl":
        user = await p.actions.learners.update_settings(p.user, learner_language=press.value)
    elif press.action == "sv":
        user = await p.actions.learners.update_settings(p.user, level=press.value)
    elif press.action == "sd":
        user = await p.actions.learners.update_settings(p.user, deck_size=press.value)
    else:
        user = await p.actions.learners.update_settings(p.user, interface_language=press.value)
    tr = translator(user.ui_language)  # a new bot language answers at once
    await edit_pressed(p.query, *settings_view(tr, user, p.actions.learners.deck_size(user)))
    await p.query.answer(tr(texts.SAVED))


async def answer(p: Pressed, press: Press) -> None:
    given = str(press.page) if press.action == "qa" else ""  # "show the answer": nothing
    result = await p.actions.quiz.answer(p.user, press.value, given)
    await edit_pressed(p.query, answer_html(p.tr, result), rating_keyboard(p.tr, result))
    await p.query.answer(p.tr(texts.ALREADY_ANSWERED) if result.duplicate else "")


async def rate(p: Pressed, press: Press) -> None:
    result = await p.actions.quiz.rate(p.user, press.value, press.page)
    if result.next is None:
        await p.query.answer(p.tr(texts.ALREADY_RATED))
        return
    text, markup = turn_view(p.tr, result.next)
    await edit_pressed(p.query, text, with_study_button(markup, p.tr, p.study("review")))
    await p.query.answer(p.tr("Next review: {when}", when=texts.when(p.tr, result.rated.due)))


async def translate(p: Pressed, press: Press) -> None:
    """ "Translate the sentence": a card of the presser's (someone else's is refused before
    any call), answered in a new message under the card; asked again, from the deck kept."""
    card = await p.actions.decks.card(p.user, press.card_id)
    await p.query.answer(p.tr(texts.TRANSLATING))
    chat = p.query.message.chat if p.query.message else None
    try:
        done = await p.actions.translations.translate(p.user, card.id)
        text = translation_html(p.tr, done)
    except VocabotError as exc:
        log.info("user %s: sentence of card %s not translated: %s", p.user.id, card.id, exc)
        text = esc(error_message(exc, p.tr))
    if chat is not None:
        await p.query.get_bot().send_message(chat.id, text, parse_mode=ParseMode.HTML)


async def forget(p: Pressed, press: Press) -> None:
    """/forget's buttons: only the learner who asked may confirm."""
    if str(press.owner) != p.user.platform_user_id:
        log.info("user %s pressed someone else's /forget button", p.user.id)
        await p.query.answer(p.tr(ops_texts.FORGET_NOT_YOURS), show_alert=True)
        return
    if press.value == "y":
        await p.actions.learners.forget(p.user)
        done = p.tr(ops_texts.FORGET_DONE)
    else:
        done = p.tr(ops_texts.FORGET_KEPT)
    await edit_pressed(p.query, esc(done))
    await p.query.answer()


async def remind(p: Pressed, press: Press) -> None:
    """A /remind choice, or the reminder's one-press "stop reminders"."""
    setting = await p.actions.habits.set_reminder(p.user, press.value)
    await edit_pressed(p.query, esc(habit_texts.remind_status(p.tr, setting)))
    await p.query.answer(p.tr(texts.SAVED))


async def quiz_start(p: Pressed, press: Press) -> None:
    """The reminder's Start, and "learn 10 more": the next quiz turn, in the same message."""
    if press.action == "lm":
        await p.actions.habits.learn_more(p.user)
    text, markup = turn_view(p.tr, await p.actions.quiz.next(p.user))
    await edit_pressed(p.query, text, with_study_button(markup, p.tr, p.study("review")))
    await p.query.answer()


async def nothing(p: Pressed, press: Press) -> None:
    await p.query.answer()  # the "page n/m" label


async def stale(update: Update, context: Context) -> None:
    """Data no action's pattern matches: an old button of another version, or a forgery."""
    query = update.callback_query
    if query is None:
        return
    log.info("stale or forged button data %r from %s", (query.data or "")[:64], query.from_user.id)
    _, tr = await learner_tr(update, context)
    await query.answer(tr(texts.EXPIRED), show_alert=True)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    return [
        _routed("page", show_page),
        _routed("open_deck", show_page),
        _routed("known_card", know_card),
        _routed("known_page", know_page),
        _routed("export", export),
        _routed("setting", change_setting),
        _routed("answer", answer),
        _routed("give_up", answer),
        _routed("rate", rate),
        _routed("translate", translate),
        _routed("forget", forget),
        _routed("remind", remind),
        _routed("quiz_start", quiz_start),
        _routed("learn_more", quiz_start),
        _routed("noop", nothing),
        CallbackQueryHandler(stale),  # last: whatever matched nothing above
    ]
