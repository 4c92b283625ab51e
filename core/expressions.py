"""Fixed expressions and phrasal verbs found in a transcript, before any LLM call.

Where "get rid of" or "vice versa" is said, the card is the expression and none of its
pieces: "rid", "versa" and "cetera" mean nothing on their own. Expressions come from
core/wordlists/en/expressions.txt (with a teacher's level) and from the graded lists'
headwords of several words ("carbon dioxide", "climate change"). A phrasal verb of two
words also matches with a short object between its verb and particle ("figure it out").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from core.grading import data_lines, graded_expressions
from core.words import lemma_of

PARTICLES = frozenset("up out off down away back over in on into through along apart".split())
# Words that may stand for "one's" in an expression ("make up one's mind").
_POSSESSIVES = frozenset("my your his her its our their one's".split())
MAX_GAP = 3  # words between a phrasal verb's verb and its particle ("wrap the lesson up")


@dataclass(frozen=True, slots=True)
class Expression:
    text: str  # as a dictionary writes it: "get rid of"
    lemmas: tuple[str, ...]
    level: str

    @property
    def words(self) -> tuple[str, ...]:
        """The words as written: a lemmatiser may take a base form for another word's
        inflection ("lay" for a form of "lie"), so a token may match either."""
        return tuple(self.text.lower().split())

    @property
    def separable(self) -> bool:
        return len(self.lemmas) == 2 and self.lemmas[1] in PARTICLES


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the transcript: its lowercase form and lemma, its caption line, and the
    number of the sentence it belongs to (no expression spans two sentences)."""

    lower: str
    lemma: str
    segment: int
    sentence: int


@dataclass(frozen=True, slots=True)
class Match:
    expression: Expression
    positions: tuple[int, ...]  # token positions of the expression's words

    @property
    def start(self) -> int:
        return self.positions[0]


def _lemmas(text: str) -> tuple[str, ...]:
    return tuple(w if w == "one's" else lemma_of(w) for w in text.lower().split())


@cache
def expressions() -> dict[str, list[Expression]]:
    """Every known expression, by the lemma of its first word."""
    found: dict[str, Expression] = {}
    for text, level in graded_expressions().items():
        if text.replace(" ", "").isalpha():
            found[text] = Expression(text, _lemmas(text), level)
    for line in data_lines("en/expressions.txt"):
        text, _, level = (part.strip() for part in line.partition("|"))
        found[text.lower()] = Expression(text.lower(), _lemmas(text), level.upper() or "B1")
    by_first: dict[str, list[Expression]] = {}
    for expression in found.values():
        for first in {expression.lemmas[0], expression.words[0]}:
            by_first.setdefault(first, []).append(expression)
    for group in by_first.values():  # the longest first: "get rid of" before "get over"
        group.sort(key=lambda e: -len(e.lemmas))
    return by_first


@cache
def _by_lemmas() -> dict[tuple[str, ...], Expression]:
    return {e.lemmas: e for group in expressions().values() for e in group}


def expression_level(text: str) -> str | None:
    """The level of a known expression written in any inflection ("got rid of"), or None."""
    return getattr(_by_lemmas().get(_lemmas(text)), "level", None)


# "you're supposed to", "it's based on": a contracted "be" is the expression's "be".
_CONTRACTED_BE = ("'re", "'s", "'m", "’re", "’s", "’m")


def _fits(token: Token, lemma: str, word: str) -> bool:
    if lemma == "one's":
        return token.lower in _POSSESSIVES
    if lemma == "be" and token.lower.endswith(_CONTRACTED_BE):
        return True
    return bool({token.lemma, token.lower} & {lemma, word})


def _match_at(tokens: Sequence[Token], i: int, expression: Expression) -> Match | None:
    first = tokens[i]
    positions = [i]
    at = i
    pairs = zip(expression.lemmas[1:], expression.words[1:], strict=True)
    for k, (lemma, word) in enumerate(pairs, start=1):
        gap = MAX_GAP if expression.separable and k == 1 else 0
        for step in range(1, gap + 2):
            j = at + step
            if j >= len(tokens) or tokens[j].sentence != first.sentence:
                return None
            if _fits(tokens[j], lemma, word):
                positions.append(j)
                at = j
                break
        else:
            return None
    return Match(expression, tuple(positions))


def find_expressions(tokens: Sequence[Token]) -> list[Match]:
    """Every expression said in `tokens`; where two would share a word, the tighter one wins
    (fewest words between its own), then the longer: "break it down" is "break down", not
    "let ... down" in "let's break it down". Returned in the order of the video."""
    table = expressions()
    found: list[Match] = []
    for i, token in enumerate(tokens):
        firsts = table.get(token.lemma, [])
        if token.lower.endswith(_CONTRACTED_BE):
            firsts = [*firsts, *table.get("be", ())]
        for expression in firsts:
            match = _match_at(tokens, i, expression)
            if match is not None:
                found.append(match)
    found.sort(key=lambda m: (m.positions[-1] - m.start + 1 - len(m.positions), -len(m.positions)))
    taken: set[int] = set()
    out: list[Match] = []
    for match in found:
        if not taken.intersection(match.positions):
            out.append(match)
            taken.update(match.positions)
    return sorted(out, key=lambda m: m.start)
