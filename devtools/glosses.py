"""Simulated meanings: pseudo-words in the learner language's own script, and a token count.

A meaning is made of syllables of the learner language's script (Hangul for ko, kana for
ja, ...), derived from the term so the same word always gets the same "meaning", and as
long in tokens as the real glosses of that language (bench/calibration): it passes every
check a real answer must pass, and every deck built from it is labelled as simulated.
`count_tokens` stands in for Qwen2.5's tokenizer wherever the simulator counts tokens.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from functools import lru_cache

# Syllables of each learner language's script, for pseudo-words that pass a script check.
SYLLABLES: dict[str, tuple[str, ...]] = {
    "ko": tuple(
        "가나다라마바사아자차카타파하거너더러머버서어저고노도로모보소오조호구누두루무부수우주후기니디리미비시이지히는을를은의에게한적인것수있로서"
    ),
    "ja": tuple(
        "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんする"
    ),
    "zh": tuple(
        "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可"
    ),
    "ru": (
        "ка",
        "ло",
        "ми",
        "на",
        "ре",
        "со",
        "ту",
        "ве",
        "да",
        "ни",
        "ра",
        "ст",
        "ть",
        "ой",
        "ый",
    ),
    "latin": (
        "ba",
        "ce",
        "di",
        "lo",
        "ma",
        "ne",
        "ra",
        "si",
        "to",
        "vu",
        "re",
        "la",
        "mo",
        "ta",
        "en",
    ),
}
# How long a meaning is, in tokens of Qwen2.5's tokenizer: the token counts of 40 real
# dictionary glosses of up to six words per learner language (bench/calibration/glosses.tsv,
# counted by bench/calibration/count_tokens.py; docs/simulator.md). Latin-script languages
# other than Spanish use the Spanish counts; Cyrillic ones the Russian counts.
MEANING_TOKENS: dict[str, tuple[int, ...]] = {
    "ko": (7, 8, 9, 2, 9, 6, 7, 10, 7, 9, 5, 9, 9, 6, 5, 5, 5, 11, 7, 11,
           7, 7, 12, 7, 8, 2, 12, 8, 7, 6, 8, 2, 9, 6, 7, 11, 11, 9, 9, 5),
    "ja": (7, 6, 7, 2, 7, 5, 7, 4, 8, 4, 2, 6, 9, 5, 5, 4, 5, 10, 5, 6,
           8, 10, 6, 5, 6, 2, 13, 7, 2, 7, 8, 4, 8, 7, 7, 9, 4, 7, 3, 8),
    "zh": (3, 5, 8, 1, 4, 1, 5, 4, 4, 1, 1, 4, 5, 3, 3, 1, 3, 3, 2, 1,
           3, 2, 1, 4, 1, 3, 8, 5, 3, 3, 4, 4, 5, 2, 1, 4, 2, 1, 5, 2),
    "es": (5, 5, 8, 3, 7, 7, 2, 6, 7, 7, 3, 7, 6, 5, 3, 5, 8, 5, 3, 3,
           6, 3, 4, 1, 3, 3, 11, 4, 5, 4, 7, 4, 9, 7, 6, 8, 2, 3, 4, 1),
    "ru": (5, 9, 13, 3, 8, 6, 3, 6, 5, 4, 4, 6, 7, 2, 1, 7, 8, 5, 3, 5,
           8, 2, 5, 2, 7, 6, 13, 2, 9, 7, 6, 5, 6, 4, 10, 9, 7, 4, 8, 3),
}  # fmt: skip
_SYLLABLES_PER_WORD = (2, 2, 3, 3, 4)
_SENSE_BREAK = {"ja": "、", "zh": "，"}
_NO_SPACES = {"ja", "zh"}
_TOKEN = re.compile(r"\w+|[^\w\s]+", re.UNICODE)
# Letters per token of Qwen2.5's tokenizer by script, measured on the glosses above.
_LETTERS_PER_TOKEN = (
    (0xAC00, 0xD7A3, 1.11),  # Hangul syllables
    (0x3040, 0x30FF, 1.30),  # hiragana, katakana
    (0x4E00, 0x9FFF, 1.51),  # CJK ideographs
    (0x0400, 0x04FF, 2.56),  # Cyrillic
)


def _script_cost(piece: str) -> int | None:
    """Tokens for a word in a non-Latin script; None for Latin (and anything else)."""
    cost = 0.0
    for ch in piece:
        code = ord(ch)
        per = next((p for lo, hi, p in _LETTERS_PER_TOKEN if lo <= code <= hi), None)
        if per is None:
            return None
        cost += 1 / per
    return max(1, math.ceil(cost - 1e-9))


def count_tokens(text: str) -> list[str]:
    """A stand-in tokenizer: English words and punctuation (a long word costs one token per
    4 letters); Hangul, kana, CJK and Cyrillic at Qwen2.5's measured letters per token."""
    out: list[str] = []
    for piece in _TOKEN.findall(text):
        if len(piece) <= 6 and piece.isascii():
            out.append(piece)
            continue
        tokens = None if piece.isascii() else _script_cost(piece)
        if tokens is None:
            out.extend(piece[i : i + 4] for i in range(0, len(piece), 4))
        else:
            step = math.ceil(len(piece) / tokens)
            out.extend(piece[i : i + step] for i in range(0, len(piece), step))
    return out


@lru_cache(maxsize=65536)
def simulated_meaning(term: str, lang: str, scale: float = 1.0) -> str:
    """A deterministic pseudo-gloss of `term` in the script of learner language `lang`.

    Its length in tokens is drawn from the real glosses' lengths for that language (times
    `scale`); it is made of two senses like "파다, 캐다" once it is long enough for two.
    """
    code = lang.split("-")[0].lower()
    syllables = SYLLABLES.get(code, SYLLABLES["latin"])
    lengths = MEANING_TOKENS.get(code, MEANING_TOKENS["ru" if code == "uk" else "es"])
    for attempt in range(8):
        key = f"{code}:{term}:{attempt}".encode()
        rng = random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest()))
        target = max(1, round(rng.choice(lengths) * scale))
        meaning = _pseudo_gloss(rng, syllables, code, target)
        if term.lower() not in meaning.lower():  # a meaning never contains the word itself
            return meaning
    return meaning


def simulated_sentence(sentence: str, lang: str, scale: float = 1.0) -> str:
    """A deterministic pseudo-translation of `sentence` in the script of `lang`, about as
    many tokens long as the sentence (a translation is roughly as long as its original)."""
    code = lang.split("-")[0].lower()
    syllables = SYLLABLES.get(code, SYLLABLES["latin"])
    key = f"{code}:sentence:{sentence}".encode()
    rng = random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest()))
    target = max(2, round(len(count_tokens(sentence)) * scale))
    return _pseudo_gloss(rng, syllables, code, target).replace(", ", " ") + "."


def _pseudo_gloss(rng: random.Random, syllables: tuple[str, ...], code: str, target: int) -> str:
    """Pseudo-words, syllable by syllable (none twice in a row), until `target` tokens."""
    space = "" if code in _NO_SPACES else " "
    senses: list[list[str]] = [[""]]
    second_sense_at = target // 2 if target >= 4 else None
    word_length = rng.choice(_SYLLABLES_PER_WORD)
    text = ""
    while len(count_tokens(text)) < target:
        word = senses[-1][-1]
        if len(word) and len(word) >= word_length * len(syllables[0]):
            if second_sense_at is not None and len(count_tokens(text)) >= second_sense_at:
                senses.append([""])
                second_sense_at = None
            else:
                senses[-1].append("")
            word_length = rng.choice(_SYLLABLES_PER_WORD)
        last = senses[-1][-1][-len(syllables[0]) :] if senses[-1][-1] else ""
        senses[-1][-1] += rng.choice([s for s in syllables if s != last])
        text = _SENSE_BREAK.get(code, ", ").join(space.join(words) for words in senses)
    return text
