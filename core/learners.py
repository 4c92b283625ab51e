"""What speakers of a language already know of English, before any lesson of ours.

A seam: each learner language may register a `PriorKnowledge`. Korean learners bring the
English of the national curriculum (its elementary words are known from A2 up, its middle
and high-school words from B2 up) and the English words Korean uses every day as loanwords
(메뉴, 패스워드, 세션). A language with no entry knows nothing in advance; a new one adds
its lists under core/wordlists/<code>/ and one entry in `PRIOR_KNOWLEDGE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from core.grading import data_words, level_index

# Why a word is known already (shown in the selection report and the logs).
CURRICULUM = "curriculum"
LOANWORD = "loanword"


class PriorKnowledge(Protocol):
    def known(self, lemma: str, level: str) -> str | None:
        """Why a learner at `level` already knows `lemma` (CURRICULUM, LOANWORD), or None."""
        ...


@dataclass(frozen=True, slots=True)
class SchoolAndLoanwords:
    """Known: a school list from a level up (each list with the level it is known from),
    and everyday loanwords at every level."""

    school: tuple[tuple[frozenset[str], str], ...]
    loanwords: frozenset[str]

    def known(self, lemma: str, level: str) -> str | None:
        if lemma in self.loanwords:
            return LOANWORD
        here = level_index(level)
        for words, known_from in self.school:
            if here >= level_index(known_from) and lemma in words:
                return CURRICULUM
        return None


@dataclass(frozen=True, slots=True)
class NothingKnown:
    def known(self, lemma: str, level: str) -> str | None:
        return None


@cache
def _korean() -> SchoolAndLoanwords:
    return SchoolAndLoanwords(
        school=(
            (data_words("ko/curriculum_elementary.txt"), "A2"),
            (data_words("ko/curriculum_secondary.txt"), "B2"),
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
