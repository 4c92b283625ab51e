"""Deck export: CSV (UTF-8 with header) and Anki .apkg (genanki), as bytes for adapters.

Model, deck and note ids are stable, so importing the same deck again into Anki updates
the notes instead of duplicating them.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from core.i18n import N_, Translator, part_of_speech
from core.models import Word
from core.pronunciation import card_ipa
from core.store import Card

if TYPE_CHECKING:  # loaded on the first export: a bot process that never exports skips it
    import genanki

MODEL_ID = 1_607_392_319  # never change: Anki matches notes to this note type by id
WATCH = N_("▶ watch this moment")


@cache
def note_type(watch: str = WATCH) -> genanki.Model:
    """vocabot's Anki note type (the same fields and id every time); `watch` is the link's
    label in the learner's language (a collection that has the note type keeps its own)."""
    import genanki

    return genanki.Model(
        MODEL_ID,
        "vocabot card",
        fields=[
            {"name": "Front"},
            {"name": "PartOfSpeech"},
            {"name": "Meaning"},
            {"name": "Sentence"},
            {"name": "Link"},
            {"name": "Pronunciation"},  # added last: older notes keep their fields in place
        ],
        templates=[
            {
                "name": "Recognise",
                "qfmt": "<div class=front>{{Front}}</div>"
                "{{#Pronunciation}}<div class=ipa>{{Pronunciation}}</div>{{/Pronunciation}}"
                "<div class=pos>{{PartOfSpeech}}</div>"
                "<div class=sentence>{{Sentence}}</div>",
                "afmt": "{{FrontSide}}<hr id=answer><div class=meaning>{{Meaning}}</div>"
                "{{#Link}}<div><a href='{{Link}}'>" + genanki_escape(watch) + "</a></div>{{/Link}}",
            }
        ],
        css=".card{font-family:sans-serif;text-align:center}.front{font-size:2em}"
        ".ipa{color:#555}.pos{color:#888}.sentence{margin-top:1em;font-style:italic}.meaning{font-size:1.5em}",
    )


# "pronunciation" (IPA, empty for phrases and words the dictionary lacks) comes last, so
# the columns before it keep their places for anyone who reads them by number.
CSV_HEADER = ["kind", "front", "part_of_speech", "meaning", "sentence", "link", "pronunciation"]


def _row(card: Card) -> list[str]:
    item = card.item
    pos = item.pos if isinstance(item, Word) else "phrase"
    sound = card_ipa(card) or ""
    return [card.kind, card.front, pos, item.meaning, item.sentence, item.link or "", sound]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP "CSV Injection"):
    one that starts with = + - @ tab or CR gets a leading apostrophe. Only the CSV: the Anki
    package keeps the text as it is, since Anki never evaluates it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_bytes(cards: Sequence[Card]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows([_cell(value) for value in _row(card)] for card in cards)
    return buffer.getvalue().encode("utf-8")


def stable_id(*parts: object) -> int:
    """A 31-bit id derived from its parts (Anki ids must fit a signed 64-bit int)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF | 1 << 30


PHRASE = N_("phrase")


def _shown_row(card: Card, tr: Translator | None) -> list[str]:
    """A card's Anki fields; with `tr`, its part of speech in the learner's words ("명사")."""
    row = _row(card)[1:]
    if tr is not None:
        item = card.item
        row[1] = part_of_speech(tr, item.pos) if isinstance(item, Word) else tr(PHRASE)
    return row


def build_package(
    cards: Sequence[Card], *, deck_name: str, owner: str, tr: Translator | None = None
) -> genanki.Package:
    import genanki

    deck = genanki.Deck(stable_id("deck", owner, deck_name), deck_name)
    for card in cards:
        fields = [genanki_escape(v) for v in _shown_row(card, tr)]
        deck.add_note(
            genanki.Note(
                model=note_type(tr(WATCH) if tr is not None else WATCH),
                fields=fields,
                guid=genanki.guid_for(owner, card.kind, card.key, card.item.video_id or ""),
            )
        )
    return genanki.Package(deck)


def genanki_escape(value: str) -> str:
    """Anki fields are HTML: keep transcript text as text."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _apkg_blocking(
    cards: Sequence[Card], deck_name: str, owner: str, tr: Translator | None
) -> bytes:
    package = build_package(cards, deck_name=deck_name, owner=owner, tr=tr)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.apkg"
        package.write_to_file(str(path))
        return path.read_bytes()


async def apkg_bytes(
    cards: Sequence[Card], *, deck_name: str, owner: str, tr: Translator | None = None
) -> bytes:
    """The .apkg file's bytes (genanki writes SQLite and zip: done in a worker thread);
    with `tr`, parts of speech in the learner's language (CSV keeps the tags: it is data)."""
    return await asyncio.to_thread(_apkg_blocking, cards, deck_name, owner, tr)
