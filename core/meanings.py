"""Is this a meaning a learner can use? Checks on what the model wrote, before a card exists.

A small model (or a broken server) answers with text that parses as JSON but is useless:
random letters, English for a Korean learner, the word itself. What can be checked without
another model is checked here: the learner language's script where it has its own (Hangul
for ko, kana or kanji for ja, ...), not a copy of the word, and no keyboard noise.
"""

from __future__ import annotations

import re
import unicodedata

# Languages written in a script of their own: the letters a meaning in them must mostly use.
_SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "hangul": ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF)),
    "kana_kanji": ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF)),
    "han": ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)),
    "cyrillic": ((0x0400, 0x04FF), (0x0500, 0x052F)),
    "arabic": ((0x0600, 0x06FF), (0x0750, 0x077F)),
    "devanagari": ((0x0900, 0x097F),),
    "thai": ((0x0E00, 0x0E7F),),
    "greek": ((0x0370, 0x03FF),),
    "hebrew": ((0x0590, 0x05FF),),
}
SCRIPT_OF: dict[str, str] = {
    "ko": "hangul",
    "ja": "kana_kanji",
    "zh": "han",
    "ru": "cyrillic",
    "uk": "cyrillic",
    "bg": "cyrillic",
    "ar": "arabic",
    "fa": "arabic",
    "hi": "devanagari",
    "th": "thai",
    "el": "greek",
    "he": "hebrew",
}
_VOWELS = set("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœăâêôơưąęėįųūı")
_LETTERS = re.compile(r"[^\W\d_]+")
_CONSONANT_RUN = 6  # "strengths" has 3+; six in a row is keyboard noise in every Latin language
_REPEAT = re.compile(r"(.)\1{3,}")


def _in_script(char: str, script: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _SCRIPT_RANGES[script])


def _fold(text: str) -> str:
    return " ".join(_LETTERS.findall(unicodedata.normalize("NFKC", text).lower()))


def meaning_problem(meaning: str, term: str, learner_language: str) -> str | None:
    """Why `meaning` is not a usable meaning of `term` for this learner, or None if it is."""
    text = " ".join(meaning.split())
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "empty"
    folded, word = _fold(text), _fold(term)
    if folded == word:
        return "a copy of the word"
    if _REPEAT.search(text):
        return "repeated characters"
    script = SCRIPT_OF.get(learner_language.split("-")[0].lower())
    if script is not None:
        # The word itself may stand beside its meaning ("해마 (hippocampus)"), but the meaning
        # must be there too, in the learner's script.
        rest = text.lower().replace(term.lower(), " ") if term else text
        native = sum(1 for c in rest if _in_script(c, script))
        other = sum(1 for c in rest if c.isalpha() and not _in_script(c, script))
        if native < 2 and not (native and len(text) <= 2):
            return f"not in the learner's script ({script})"
        if other > native * 2:
            return f"mostly not in the learner's script ({script})"
        return None
    for token in _LETTERS.findall(text.lower()):
        if len(token) >= 25:
            return "a run of letters, not words"
        if token.isascii() and len(token) >= 5 and not _VOWELS & set(token):
            return "letters without vowels"
        run = 0
        for char in token:
            run = 0 if char in _VOWELS or not char.isascii() else run + 1
            if run >= _CONSONANT_RUN:
                return "letters without vowels"
    return None
