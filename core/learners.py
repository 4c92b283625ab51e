"""What speakers of a language already know of English, before any lesson of ours.

A seam: each learner language may register a `PriorKnowledge`. Korean learners bring the
English of the national curriculum (its elementary words are a beginner's and known from
A2 up, its middle and high-school words known from B2 up) and the English words Korean uses
every day as loanwords (메뉴, 패스워드, 세션). A language with no entry knows nothing in
advance; a new one adds its lists under core/wordlists/<code>/ and one entry in
`PRIOR_KNOWLEDGE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from core.grading import data_words, later_when_rare, level_index

# Why a word is known already (shown in the selection report and the logs).
CURRICULUM = "curriculum"
LOANWORD = "loanword"
# A school list's words are learned at the level a graded list gives them, or a level
# later when rarer than that level's words (grading.later_when_rare).
LATER_WHEN_RARE = "later when rare"


class PriorKnowledge(Protocol):
    def known(self, lemma: str, level: str) -> str | None:
        """Why a learner at `level` already knows `lemma` (CURRICULUM, LOANWORD), or None."""
        ...

    def level(self, lemma: str, listed: str, zipf: float) -> str:
        """The level at which speakers of this language learn `lemma`, given the level a
        graded list (or frequency) gives it and how often English uses it (Zipf): a school
        list sets its own."""
        ...


@dataclass(frozen=True, slots=True)
class SchoolAndLoanwords:
    """Known: a school list from a level up (each list with the level it is known from,
    and the level it is learned at: a level, or LATER_WHEN_RARE), and everyday loanwords at
    every level."""

    school: tuple[tuple[frozenset[str], str, str], ...]  # words, learned at, known from
    loanwords: frozenset[str]

    def known(self, lemma: str, level: str) -> str | None:
        if lemma in self.loanwords:
            return LOANWORD
        here = level_index(level)
        for words, _, known_from in self.school:
            if here >= level_index(known_from) and lemma in words:
                return CURRICULUM
        return None

    def level(self, lemma: str, listed: str, zipf: float) -> str:
        for words, learned_at, _ in self.school:
            if lemma in words:
                return (
                    later_when_rare(listed, zipf) if learned_at == LATER_WHEN_RARE else learned_at
                )
        return listed


@dataclass(frozen=True, slots=True)
class NothingKnown:
    def known(self, lemma: str, level: str) -> str | None:
        return None

    def level(self, lemma: str, listed: str, zipf: float) -> str:
        return listed


@cache
def _korean() -> SchoolAndLoanwords:
    return SchoolAndLoanwords(
        # Elementary school's words are a beginner's, known from A2 up, whatever level a
        # graded list gives them; middle and high school's are known from B2 up, and below
        # B2 are learned at the level a graded list gives them, or a level later when
        # English uses them less than that level's words: on labels by two teachers of
        # Korean learners, 80-90% of such A1-A2 words were a level later, against 10-55%
        # of the frequent ones.
        school=(
            (data_words("ko/curriculum_elementary.txt"), "A1", "A2"),
            (data_words("ko/curriculum_secondary.txt"), LATER_WHEN_RARE, "B2"),
        ),
        loanwords=data_words("ko/loanwords.txt"),
    )


PRIOR_KNOWLEDGE = {"ko": _korean}


def prior_knowledge(learner_language: str) -> PriorKnowledge:
    """What speakers of `learner_language` ("ko", "ko-KR") know of English already."""
    make = PRIOR_KNOWLEDGE.get(learner_language.split("-")[0].lower())
    return make() if make is not None else NothingKnown()


def is_loanword(lemma: str, learner_language: str) -> bool:
    return prior_knowledge(learner_language).known(lemma, "A1") == LOANWORD
