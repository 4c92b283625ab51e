"""One Korean term per concept: the Korean catalog uses every term of the glossary in
docs/translating.md and none of the variants it rejects."""

import re
from pathlib import Path

from devtools.catalogs import read
from tests.korean_check import Taught, leaks

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "translating.md"


def glossary() -> list[tuple[str, list[str], list[str]]]:
    """(English, Korean terms, rejected variants) of each glossary row."""
    section = GUIDE.read_text(encoding="utf-8").split("### Glossary", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("English", "---"):
            continue
        terms, never = ([t.strip() for t in c.split(",") if t.strip()] for c in cells[1:])
        rows.append((cells[0], terms, never))
    return rows


def korean_text() -> str:
    strings = []
    for message in read("ko"):
        if message.id:
            value = message.string
            strings += list(value) if isinstance(value, tuple | list) else [str(value)]
    return "\n".join(strings)


def test_the_glossary_is_there() -> None:
    rows = glossary()
    assert len(rows) >= 25
    assert ("deck", ["단어장"], ["덱"]) in rows


def test_the_catalog_uses_each_term_and_no_rejected_variant() -> None:
    text = korean_text()
    unused = [(en, t) for en, terms, _ in glossary() for t in terms if t not in text]
    assert unused == []
    # A rejected term as a word of its own: 쪽 in "2/31쪽", not in 오른쪽;
    # 스크립트, not in 자바스크립트.
    rejected = [
        (en, t, found)
        for en, _, never in glossary()
        for t in never
        if (found := re.findall(rf".{{0,20}}(?<![가-힣]){re.escape(t)}.{{0,20}}", text))
    ]
    assert rejected == []


# For admins and developers, not learners: command syntax, the UTC day, HTTP headers.
NOT_FOR_LEARNERS = ("Admin commands:", "📈 Today (UTC)", "Send your API key as")


def test_no_korean_message_holds_english() -> None:
    """Every Korean message a learner may read passes the session tests' check with no
    taught words at all: English there can only be a command, a URL or a file type."""
    nothing_taught = Taught(["vocabDemo01", "vocabDemo02"], [])  # the console's sample ids
    found = []
    for message in read("ko"):
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        if not ids[0] or str(ids[0]).startswith(NOT_FOR_LEARNERS):
            continue
        value = message.string
        for string in value if isinstance(value, tuple | list) else (value,):
            english = leaks(re.sub(r"\{\w+\}", " ", str(string)), nothing_taught)
            if english:
                found.append((english, string))
    assert found == []
