"""Local candidate selection: lemmas, frequency, names, known words. No LLM involved.

Every lemma is kept once, at its first occurrence, so the model is never asked about the
same word twice and the deck has no duplicate lemmas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import simplemma
from wordfreq import zipf_frequency

from core import config
from core.models import Candidate, Segment

# Words more frequent than this (Zipf scale: 7 = "the", 3 = once per million words) are
# taken as already known at each CEFR level.
LEVEL_MAX_ZIPF: dict[str, float] = {
    "A1": 5.8,
    "A2": 5.3,
    "B1": 4.8,
    "B2": 4.3,
    "C1": 3.8,
    "C2": 3.3,
}
LEVELS = tuple(LEVEL_MAX_ZIPF)
assert LEVELS == config.LEVELS, "the settings rule's levels are the levels words are chosen by"
# Rarer than this is mostly transcription noise, typos or names.
MIN_ZIPF = 1.5
MIN_LENGTH = 3

_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_MARKS = (".", "!", "?", "…")
_NUMBER_PARTS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion trillion".split()
)

# What speakers say between words, not words to learn ("yep" and "yup" reached decks as
# vocabulary from a lecture's captions). English: other languages have no list yet.
INTERJECTIONS = frozenset(
    "yep yup yeah yeh yah nope nah naw yes okay ok okey alright uh uhh um umm uhm hmm hmmm "
    "mm mmm mhm mm-hmm uh-huh uh-oh uh-uh huh oh ohh ooh ah ahh aha aw aww wow whoa woah "
    "hey oops whoops ouch yay yikes ugh er erm eh gosh gee golly duh meh phew whew shh psst "
    "hah haha hahaha heh hehe lol yo ahem hmph oof eww ew yuck hooray hurray yippee bye "
    "kinda sorta".split()
)


@lru_cache(maxsize=65536)
def lemma_of(word: str, lang: str = "en") -> str:
    """The dictionary form of a lowercase word ("industries" -> "industry")."""
    try:
        return simplemma.lemmatize(word, lang=lang).lower()
    except ValueError:  # a language simplemma does not know
        return word


@lru_cache(maxsize=65536)
def zipf(word: str, lang: str = "en") -> float:
    try:
        return float(zipf_frequency(word, lang))
    except (LookupError, ValueError):
        return 0.0


def headword(lower: str, lang: str = "en") -> str:
    """The form a learner looks up: the lemma, except where the inflected form is a word of
    its own ("tired" is not "tire", "well-organized" stays whole)."""
    if "-" in lower:
        return lower
    lemma = lemma_of(lower, lang)
    if (
        lemma != lower
        and lower.endswith(("ed", "ing"))
        and zipf(lower, lang) > zipf(lemma, lang) + 0.6
    ):
        return lower
    return lemma


def warm_up(language: str = "en") -> None:
    """Load the lemma and frequency tables now (they take a moment the first time)."""
    lemma_of("warming", language)
    zipf("warming", language)


def normalise_level(level: str) -> str:
    level = level.strip().upper()
    return level if level in LEVEL_MAX_ZIPF else "B1"


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _language(code: str) -> str:
    return code.split("-")[0].lower() or "en"


def select_candidates(
    segments: Iterable[Segment],
    *,
    language: str = "en",
    level: str = "B1",
    known: Iterable[str] = (),
) -> list[Candidate]:
    """The words worth learning at `level`, each lemma once, at its first occurrence."""
    lang = _language(language)
    max_zipf = LEVEL_MAX_ZIPF[normalise_level(level)]
    known_set = {k.strip().lower() for k in known}
    segments = list(segments)
    # A word never written in lowercase in the whole transcript is taken for a name.
    lowercase_forms = {t for s in segments for t in tokens(s.text) if t.islower()}
    seen: set[str] = set()
    out: list[Candidate] = []
    gap = "."  # text since the previous token; a sentence end in it starts a sentence
    for segment in segments:
        position = 0
        for match in _TOKEN.finditer(segment.text):
            gap += segment.text[position : match.start()]
            position = match.end()
            at_start = any(mark in gap for mark in _SENTENCE_MARKS)
            gap = ""
            token = match.group(0)
            lower = token.lower().replace("’", "'")
            if len(lower) < MIN_LENGTH or "'" in lower:
                continue
            capitalised_only = not token.islower() and lower not in lowercase_forms
            if capitalised_only and (not at_start or zipf(lower, lang) < MIN_ZIPF):
                continue  # a name (mid-sentence capital), or an unknown capitalised word
            if all(part in _NUMBER_PARTS for part in lower.split("-")):
                continue
            if lang == "en" and lower in INTERJECTIONS:
                continue
            lemma = headword(lower, lang)
            family = lemma_of(lower, lang)
            if family in seen or lemma in known_set or family in known_set or lower in known_set:
                continue
            seen.add(family)
            frequency = zipf(lemma, lang) or zipf(lower, lang)
            if not MIN_ZIPF <= frequency <= max_zipf:
                continue
            out.append(Candidate(lemma, lower, round(frequency, 2), segment.index))
        gap += segment.text[position:] + " "
    return out
