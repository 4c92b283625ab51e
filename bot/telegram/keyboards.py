"""Telegram inline keyboards; every button's data is built by callback_data.encode."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.telegram.callback_data import NOOP, encode, kind_code
from core import (
    DECK_SIZE_CHOICES,
    INTERFACE_LANGUAGES,
    LANGUAGE_SELF_NAMES,
    LEARNER_LANGUAGES,
    Answer,
    DeckInfo,
    DeckPage,
    Question,
    Translator,
)

Button = InlineKeyboardButton


def page_keyboard(tr: Translator, page: DeckPage) -> InlineKeyboardMarkup:
    deck, k = page.deck.id, kind_code(page.kind)
    nav = []
    if page.has_previous:
        nav.append(Button("◀", callback_data=encode("p", deck, k, page.page - 1)))
    nav.append(Button(f"{page.page + 1}/{page.pages}", callback_data=NOOP))
    if page.has_next:
        nav.append(Button("▶", callback_data=encode("p", deck, k, page.page + 1)))
    words = f"{'• ' if page.kind == 'word' else ''}📖 {tr(texts.WORDS)} ({page.deck.words})"
    phrases = f"{'• ' if page.kind == 'phrase' else ''}💬 {tr(texts.PHRASES)} ({page.deck.phrases})"
    rows = [nav]
    if page.offers_more:  # the rest of the deck, one press away
        more = texts.more_button(tr, page.kind, page.more)
        rows.append([Button(more, callback_data=encode("p", deck, k, page.more_page))])
    rows += [
        [
            Button(words, callback_data=encode("p", deck, "w", 0)),
            Button(phrases, callback_data=encode("p", deck, "p", 0)),
        ],
    ]
    if page.unknown:
        rows.append(
            [
                Button(f"✓{c.number}", callback_data=encode("k", deck, c.card.id, page.page))
                for c in page.unknown
            ]
        )
        rows.append([Button(tr(texts.KNOW_ALL), callback_data=encode("K", deck, k, page.page))])
    if page.cards:  # "translate the sentence" of each card on the page, by its number
        rows.append(
            [Button(f"🌐{c.number}", callback_data=encode("t", c.card.id)) for c in page.cards]
        )
    rows.append(_export_row(deck))
    return InlineKeyboardMarkup(rows)


def _export_row(deck_id: int) -> list[InlineKeyboardButton]:
    return [
        Button("⬇️ Anki (.apkg)", callback_data=encode("x", deck_id, "apkg")),
        Button("⬇️ CSV", callback_data=encode("x", deck_id, "csv")),
    ]


def export_keyboard(deck_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_export_row(deck_id)])


def decks_keyboard(tr: Translator, decks: list[DeckInfo]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button(
                    (d.title or d.video_id or tr("deck"))[:40]
                    + " · "
                    + texts.deck_counts(tr, d.words, d.phrases),
                    callback_data=encode("d", d.id),
                )
            ]
            for d in decks[:20]
        ]
    )


def settings_keyboard(
    learner_language: str, level: str, ui: str, deck_size: int | None = None
) -> InlineKeyboardMarkup:
    languages = [
        Button(
            f"{'• ' if code == learner_language else ''}{texts.learner_language_self_name(code)}",
            callback_data=encode("sl", code),
        )
        for code in LEARNER_LANGUAGES
    ]
    levels = [
        Button(f"{'• ' if lv == level else ''}{lv}", callback_data=encode("sv", lv))
        for lv in texts.LEVEL_NAMES
    ]
    interface = [
        Button(
            f"{'• ' if code == ui else ''}🌐 {LANGUAGE_SELF_NAMES[code]}",
            callback_data=encode("su", code),
        )
        for code in INTERFACE_LANGUAGES
    ]
    rows = [languages[:5], languages[5:], levels, interface]
    if deck_size is not None:
        rows.append(
            [
                Button(f"{'• ' if n == deck_size else ''}🗂 {n}", callback_data=encode("sd", n))
                for n in DECK_SIZE_CHOICES
            ]
        )
    return InlineKeyboardMarkup(rows)


def question_keyboard(tr: Translator, question: Question) -> InlineKeyboardMarkup:
    rows = [
        [Button(option[:60], callback_data=encode("qa", question.id, i + 1))]
        for i, option in enumerate(question.options)
    ]
    if not question.options:
        rows.append([Button(tr(texts.SHOW_ANSWER), callback_data=encode("qs", question.id))])
    return InlineKeyboardMarkup(rows)


def rating_keyboard(tr: Translator, answer: Answer) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                Button(
                    f"{'• ' if value == int(answer.suggested) else ''}{tr(label)}",
                    callback_data=encode("qr", answer.question.id, value),
                )
                for value, label in texts.RATINGS
            ],
            [Button(tr(texts.TRANSLATE), callback_data=encode("t", answer.card.id))],
        ]
    )
