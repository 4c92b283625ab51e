"""English word frequencies on wordfreq's Zipf scale, from a sorted file searched in place.

wordfreq keeps its English list as a dict of 321,180 str keys (+33 MB once loaded, and its
tokenizer's `regex` patterns +17 MB at import). core/wordlists/en/zipf.txt holds the same
data for the 311,364 words a transcript token can give (Latin, Greek, Cyrillic or Hangul
letters and apostrophes: no digits, no other scripts): "word<TAB>n" lines sorted bytewise,
n the word's frequency in wordfreq's own unit (10 ** (-n / 100)), 3.8 MB read once and
bisected (core/sorted_lines.py).

`zipf_frequency` answers exactly what `wordfreq.zipf_frequency(word, lang)` does: for
English words of those letters, apostrophes and hyphens, the same normalisation, the same
tokens and the same arithmetic on the same numbers; anything else (digits, another script,
another language) is asked of wordfreq itself, loaded then. `python -m devtools.wordtables`
writes the file from the installed wordfreq; tests/test_word_tables.py holds them equal.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache

from core import sorted_lines

ZIPF_FILE = "en/zipf.txt"

# Letters whose word-break class is a plain letter (Latin, Greek, Cyrillic, Hangul syllables):
# a token of these, apostrophes and hyphens is split by wordfreq's tokenizer exactly as
# `en_tokens` does. Han, kana, Thai and the like are not (wordfreq keeps their runs whole).
_LETTER = (
    "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f\u0370-\u03ff\u0400-\u052f\u1f00-\u1fff\uac00-\ud7a3"
)
_SIMPLE = re.compile(f"[{_LETTER}]+(?:['\u2019-][{_LETTER}]+)*")
_SEPARATORS = str.maketrans("", "", "'\u2019-")  # what is left must be letters only
# wordfreq's French-elision rule: one or two letters, a straight apostrophe and a vowel or
# "h" start a token of their own ("l'arc" -> "l", "arc"; "y'all" -> "y", "all").
_ELISION = re.compile(f"([{_LETTER}][{_LETTER}]?)'(?=[aehiouyáéíóúàèìòùâêîôûåïöœ])")
_NOT_FOUND = 10**0.0 / 1e9  # wordfreq's `minimum` for zipf_frequency's default of 0


@cache
def _data() -> bytes:
    return sorted_lines.read(ZIPF_FILE)


def en_tokens(text: str) -> list[str] | None:
    """wordfreq's English tokens of `text` (`wordfreq.tokens.lossy_tokenize`), or None
    when `text` is outside what this covers (then wordfreq's own tokenizer must answer)."""
    text = unicodedata.normalize("NFC", text).casefold()
    if not _SIMPLE.fullmatch(text) or not text.translate(_SEPARATORS).isalpha():
        return None
    out: list[str] = []
    for part in text.split("-"):
        while elided := _ELISION.match(part):
            out.append(elided.group(1))
            part = part[elided.end() :]
        out.append(part.replace("\u2019", "'"))
    return out


def is_token(word: str) -> bool:
    """`word` is a token `en_tokens` can give: the words zipf.txt must hold."""
    return (
        "-" not in word
        and "\u2019" not in word
        and en_tokens(word) is not None
        and (unicodedata.normalize("NFC", word).casefold() == word)
    )


def _word_frequency(tokens: list[str]) -> float:
    """wordfreq's `_word_frequency` for these tokens, `minimum` being zipf's default."""
    one_over_result = 0.0
    for token in tokens:
        found = sorted_lines.find(_data(), token.encode())
        if found is None:
            return _NOT_FOUND
        one_over_result += 1.0 / 10 ** (-int(found) / 100)
    unrounded = max(1.0 / one_over_result, _NOT_FOUND)
    leading_zeroes = math.floor(-math.log(unrounded, 10))
    return round(unrounded, leading_zeroes + 3)


def zipf_frequency(word: str, lang: str) -> float:
    """`wordfreq.zipf_frequency(word, lang)`, from the file for English words."""
    tokens = en_tokens(word) if lang == "en" else None
    if tokens is None:
        from wordfreq import zipf_frequency as library

        return float(library(word, lang))
    return round(math.log(_word_frequency(tokens), 10) + 9, 2)
