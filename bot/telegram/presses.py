"""Telegram button presses: one handler per action, routed by PTB on the data's pattern.

Every press is answered (a press left unanswered spins on the user's screen). A press is
checked against the presser's own data: another learner's deck, a question that is over, or
data that matches no pattern gets a polite alert.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import texts
from bot.telegram.callback_data import ACTIONS, Press
from bot.telegram.commands import turn_view
from bot.telegram.context import Context, edit_pressed, learner, services
from bot.telegram.keyboards import page_keyboard, rating_keyboard, settings_keyboard
from bot.telegram.render import answer_html, page_html, settings_html
from core import errors
from core.actions import Actions, sentence
from core.srs import QuestionExpired
from core.store import User

log = logging.getLogger(__name__)

Act = Callable[[CallbackQuery, Actions, User, Press], Awaitable[None]]


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
        user = await learner(update, context)
        try:
            await act(query, services(context).actions, user, press)
        except errors.DeckNotFound:
            log.info("user %s pressed %r of a deck that is not theirs", user.id, query.data)
            await query.answer(texts.NOT_YOURS, show_alert=True)
        except QuestionExpired as exc:
            await query.answer(sentence(exc), show_alert=True)
        except errors.BadSetting:
            await query.answer(texts.EXPIRED, show_alert=True)

    return CallbackQueryHandler(handler, pattern=pattern)


async def show_page(query: CallbackQuery, actions: Actions, user: User, press: Press) -> None:
    kind = press.kind if press.action == "p" else None  # an opened deck: its first tab
    page = await actions.page(user, press.deck_id, kind, press.page)
    await edit_pressed(query, page_html(page), page_keyboard(page))
    await query.answer()


async def know_card(query: CallbackQuery, actions: Actions, user: User, press: Press) -> None:
    result = await actions.mark_card_known(user, press.deck_id, press.card_id)
    card = await actions.store.get_card(user.id, press.card_id)
    page = await actions.page(user, press.deck_id, card.kind if card else None, press.page)
    await edit_pressed(query, page_html(page), page_keyboard(page))
    word = result.words[0] if result.words else ""
    await query.answer(f"✓ “{word}” is known: it leaves your quizzes and future decks.")


async def know_page(query: CallbackQuery, actions: Actions, user: User, press: Press) -> None:
    result = await actions.mark_page_known(user, press.deck_id, press.kind, press.page)
    page = await actions.page(user, press.deck_id, press.kind, press.page)
    await edit_pressed(query, page_html(page), page_keyboard(page))
    await query.answer(f"✓ {len(result.words)} marked as known.")


async def export(query: CallbackQuery, actions: Actions, user: User, press: Press) -> None:
    await actions.deck(user, press.deck_id)  # someone else's deck: refused before any work
    await query.answer("Preparing your file…")
    exported = await actions.export(user, "csv" if press.value == "csv" else "apkg", press.deck_id)
    chat = query.message.chat if query.message else None
    if chat is not None:
        await query.get_bot().send_document(
            chat.id,
            document=exported.data,
            filename=exported.filename,
            caption=f"{exported.cards} cards",
        )


async def change_setting(query: CallbackQuery, actions: Actions, user: User, press: Press) -> None:
    if press.action == "sl":
        user = await actions.update_settings(user, learner_language=press.value)
    else:
        user = await actions.update_settings(user, level=press.value)
    await edit_pressed(
        query,
        settings_html(user.learner_language, user.level),
        settings_keyboard(user.learner_language, user.level),
    )
    await query.answer("Saved ✓")


async def answer(query: CallbackQuery, actions: Actions, user: User, press: Press) -> None:
    given = str(press.page) if press.action == "qa" else ""  # "show the answer": nothing
    result = await actions.quiz_answer(user, press.value, given)
    await edit_pressed(query, answer_html(result), rating_keyboard(result))
    await query.answer("Already answered" if result.duplicate else "")


async def rate(query: CallbackQuery, actions: Actions, user: User, press: Press) -> None:
    result = await actions.quiz_rate(user, press.value, press.page)
    if result.next is None:
        await query.answer("Already saved ✓")
        return
    await edit_pressed(query, *turn_view(result.next))
    await query.answer(f"Next review: {texts.when(result.rated.due)}")


async def nothing(query: CallbackQuery, actions: Actions, user: User, press: Press) -> None:
    await query.answer()  # the "page n/m" label


async def stale(update: Update, context: Context) -> None:
    """Data no action's pattern matches: an old button of another version, or a forgery."""
    query = update.callback_query
    if query is None:
        return
    log.info("stale or forged button data %r from %s", (query.data or "")[:64], query.from_user.id)
    await query.answer(texts.EXPIRED, show_alert=True)


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
        _routed("noop", nothing),
        CallbackQueryHandler(stale),  # last: whatever matched nothing above
    ]
