"""Korean particles after an inserted value: 은/는, 이/가, 을/를, 과/와, (으)로, (이)에요.

A Korean particle depends on how the word before it ends when read aloud: after a final
consonant (받침) it is 은, 이, 을, 과, 으로, 이에요; after a vowel 는, 가, 를, 와, 로, 예요; and a
final ㄹ takes 로 like a vowel. A catalog message cannot know the value it will hold
("카드 159장", “dig”, "vocabDemo01"), so the Korean catalog writes both forms after a
placeholder, in the usual Korean notation (`{cards}을(를)`, `“{word}”은(는)`, `{rating}(으)로`),
and `resolve` keeps the right one for the value actually inserted.

How a value ends when read:
- Hangul: its last syllable's final consonant (받침), ㄹ apart.
- a number as it is read in Korean (Sino-Korean): 1 일, 3 삼, 6 육, 7 칠, 8 팔, 0 영, and a
  round number by its last unit (10 십, 100 백, 1000 천, 10000 만, 억, 조).
- an English word by its pronunciation in the CMU Pronouncing Dictionary, as a Korean reads
  it: a final vowel, r, or a fricative/affricate (bus 버스, judge 저지, love 러브) ends in a
  vowel; l ends in ㄹ; m n ng in a consonant, and so does a stop after a short vowel (dig
  딕, cat 캣), while one after a long vowel or a consonant is read with 으 (cake 케이크, text
  텍스트). The spelling tells most words apart by the same rule; the 6,600 dictionary words
  whose spelling misleads are kept in core/wordlists/en/korean_endings.txt.
- anything else (an emoji, a symbol): unknown, and the written-out pair stays ("은(는)"),
  which Korean readers accept.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import cache
from importlib import resources

__all__ = ["Ending", "ending", "particle", "resolve"]


class Ending(Enum):
    VOWEL = "vowel"
    RIEUL = "rieul"  # final ㄹ: a consonant, but (으)로 becomes 로
    CONSONANT = "consonant"


# After a consonant, after a vowel; (으)로 is the one where ㄹ counts as a vowel.
PAIRS = {
    "은(는)": ("은", "는"),
    "이(가)": ("이", "가"),
    "을(를)": ("을", "를"),
    "과(와)": ("과", "와"),
    "(으)로": ("으로", "로"),
    "(이)에요": ("이에요", "예요"),
}
_RIEUL_AS_VOWEL = {"(으)로"}

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL_FINAL = 8  # ㄹ's index among the 28 finals (0: none)
# The last nonzero digit, as read: 일 이 삼 사 오 육 칠 팔 구.
_DIGITS = {
    "1": Ending.RIEUL,
    "2": Ending.VOWEL,
    "3": Ending.CONSONANT,
    "4": Ending.VOWEL,
    "5": Ending.VOWEL,
    "6": Ending.CONSONANT,
    "7": Ending.RIEUL,
    "8": Ending.RIEUL,
    "9": Ending.VOWEL,
}
# A round number by its trailing zeros: 십 백 천 (within each group of four), 만 억 조 경.
_ROUND = {1: Ending.CONSONANT, 2: Ending.CONSONANT, 3: Ending.CONSONANT}
_GROUPS = {1: Ending.CONSONANT, 2: Ending.CONSONANT, 3: Ending.VOWEL, 4: Ending.CONSONANT}
# ARPAbet phones (stress digits stripped): nasals always end in a consonant (받침); a stop
# does only after a short vowel (dig 딕, cat 캣, book 북), and takes a vowel 으 after a long
# vowel, a diphthong or another consonant (cake 케이크, seat 시트, text 텍스트, hand 핸드).
_NASALS = {"M", "N", "NG"}
_STOPS = {"P", "T", "K", "B", "D", "G"}
_SHORT_VOWELS = {"IH", "EH", "AE", "AH", "UH", "AA", "AO"}
_TRAILING_NOISE = re.compile(r"[\s”’\"'»)\]}.,!?…:;·*_~`]+$")
_TAIL = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?|[A-Za-z]+|[가-힣]|%)$")


def _hangul(syllable: str) -> Ending:
    final = (ord(syllable) - _HANGUL_FIRST) % 28
    if final == 0:
        return Ending.VOWEL
    return Ending.RIEUL if final == _RIEUL_FINAL else Ending.CONSONANT


def _number(digits: str) -> Ending:
    whole, _, fraction = digits.replace(",", "").partition(".")
    if fraction:  # 3.5 삼 점 오: the last digit is read alone (0 영)
        return _DIGITS.get(fraction[-1], Ending.CONSONANT)
    stripped = whole.rstrip("0")
    if not stripped:
        return Ending.CONSONANT  # 영
    zeros = len(whole) - len(stripped)
    if zeros == 0:
        return _DIGITS[stripped[-1]]
    if zeros % 4:
        return _ROUND[zeros % 4]
    return _GROUPS.get(zeros // 4, Ending.CONSONANT)


@cache
def _exceptions() -> dict[str, Ending]:
    """The words whose pronunciation ends otherwise than their spelling suggests, from
    core/wordlists/en/korean_endings.txt (written from the CMU dictionary by
    `python -m devtools.pronunciations`): a few thousand, not the dictionary's 126,000."""
    text = (resources.files("core") / "wordlists" / "en" / "korean_endings.txt").read_text(
        encoding="utf-8"
    )
    found: dict[str, Ending] = {}
    current: Ending | None = None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = Ending(line[1:-1])
        elif line and current is not None:
            found.update(dict.fromkeys(line.split(), current))
    return found


def warm() -> None:
    """Load the exceptions now (a few milliseconds), not at the first particle."""
    _exceptions()


def by_phones(tail: str) -> Ending:
    *before, phone = tail.split()
    if phone == "L":
        return Ending.RIEUL
    if phone in _NASALS:
        return Ending.CONSONANT
    if phone in _STOPS and before and before[0] in _SHORT_VOWELS:
        return Ending.CONSONANT
    return Ending.VOWEL


def by_spelling(word: str) -> Ending:
    """A guess for a word the dictionary lacks, read the way a Korean would read it."""
    w = word.lower()
    if w.endswith(("ck", "ng", "mb")):
        return Ending.CONSONANT
    if w.endswith("le") or w[-1] == "l":
        return Ending.RIEUL
    if w[-1] == "e" and len(w) > 2 and w[-2] in "mn":
        return Ending.CONSONANT  # time 타임, line 라인
    if w[-1] in "mn":
        return Ending.CONSONANT
    if w[-1] in "ptkbdgc" and len(w) > 2 and w[-2] in "aeiou" and w[-3] not in "aeiou":
        return Ending.CONSONANT  # a stop after a single short vowel: dig, cat
    return Ending.VOWEL  # vowels, r, y, w, h, and s z x f v sh ch … (버스, 박스, 러브)


def _english(word: str) -> Ending:
    if len(word) == 1 or (word.isupper() and len(word) <= 4):
        # A letter or an acronym is read letter by letter: B 비, CSV 씨에스비, L 엘, M 엠.
        letter = word[-1].upper()
        if letter == "L":
            return Ending.RIEUL
        return Ending.CONSONANT if letter in "MN" else Ending.VOWEL
    return _exceptions().get(word.lower()) or by_spelling(word)


def ending(value: str) -> Ending | None:
    """How `value` ends when read aloud in a Korean sentence; None when it can't be told."""
    text = _TRAILING_NOISE.sub("", value)
    match = _TAIL.search(text)
    if match is None:
        return None
    tail = match.group(1)
    if tail == "%":
        return Ending.VOWEL  # 퍼센트
    if tail[0].isdigit():
        return _number(tail)
    if "가" <= tail <= "힣":
        return _hangul(tail)
    return _english(tail)


def particle(value: str, pair: str) -> str:
    """The particle of `pair` ("을(를)", "(으)로", …) that reads right after `value`."""
    after_consonant, after_vowel = PAIRS[pair]
    end = ending(value)
    if end is None:
        return pair
    if end is Ending.VOWEL or (end is Ending.RIEUL and pair in _RIEUL_AS_VOWEL):
        return after_vowel
    return after_consonant


_PAIR_AFTER = re.compile(
    r"^([”’\"')\]]*)(" + "|".join(re.escape(p) for p in sorted(PAIRS, key=len, reverse=True)) + ")"
)


def resolve(value: str, following: str) -> str:
    """`following` (the text after `value` in a message) with a leading particle pair, if
    any (possibly after a closing quote), reduced to the particle that fits `value`."""
    match = _PAIR_AFTER.match(following)
    if match is None:
        return following
    closing, pair = match.groups()
    return closing + particle(value, pair) + following[match.end() :]
