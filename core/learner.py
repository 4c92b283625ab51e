"""A learner's own settings in their terms: their level (CEFR, a TOEIC score, a 수능 grade)
and how many cards of a deck they get first. Pure rules, no I/O.

The mappings to CEFR and where they come from are in docs/decks.md:
- TOEIC Listening & Reading: ETS's published minimum total scores per CEFR level
  (A1 120, A2 225, B1 550, B2 785, C1 945); below 120 is A1, and TOEIC stops at C1.
- 수능 (CSAT) English grade 1-9: no official CEFR mapping exists; ours is approximate,
  anchored on the national curriculum's B2 target for high-school graduates.
"""

from __future__ import annotations

import re

CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")

# How many of a deck's best cards a learner may ask to get first.
MIN_DECK_SIZE = 5
MAX_DECK_SIZE = 200
DECK_SIZE_CHOICES = (10, 20, 30, 50)  # offered as buttons where a face has them

# ETS: TOEIC Listening & Reading total score -> CEFR level, by minimum score.
TOEIC_MINIMUMS = ((945, "C1"), (785, "B2"), (550, "B1"), (225, "A2"), (120, "A1"))
TOEIC_RANGE = (10, 990)

# 수능 English (absolute grading since 2018: grade 1 = 90+ of 100, a grade per 10 points).
CSAT_LEVELS = {1: "B2", 2: "B1", 3: "B1", 4: "A2", 5: "A2", 6: "A1", 7: "A1", 8: "A1", 9: "A1"}

_TOEIC = re.compile(r"(?:toeic|토익)\s*(\d{1,4})\s*(?:점|points?|pts?)?", re.IGNORECASE)
_CSAT = re.compile(
    r"(?:csat|suneung|수능)\s*(?:영어\s*)?(\d)\s*(?:등급|grade)?|(\d)\s*등급", re.IGNORECASE
)


def toeic_level(score: int) -> str:
    """The CEFR level of a TOEIC Listening & Reading total score (ETS's minimums)."""
    for minimum, level in TOEIC_MINIMUMS:
        if score >= minimum:
            return level
    return "A1"


def csat_level(grade: int) -> str:
    """The CEFR level we take a 수능 English grade (1-9) to mean (approximate)."""
    return CSAT_LEVELS[grade]


def parse_level(text: str) -> str | None:
    """A level as a learner may type it: "B2", "toeic 650", "토익 650점", "수능 2등급",
    "csat 2", "2등급"; None when it is none of these (or out of range)."""
    clean = " ".join(text.strip().split())
    if clean.upper() in CEFR:
        return clean.upper()
    if found := _TOEIC.fullmatch(clean):
        score = int(found[1])
        low, high = TOEIC_RANGE
        return toeic_level(score) if low <= score <= high else None
    if found := _CSAT.fullmatch(clean):
        grade = int(found[1] or found[2])
        return csat_level(grade) if grade in CSAT_LEVELS else None
    return None


def parse_deck_size(text: str | int) -> int | None:
    """A deck size as typed ("20"), or None when it is not a number in range."""
    value = str(text).strip()
    if not value.isascii() or not value.isdigit():
        return None
    size = int(value)
    return size if MIN_DECK_SIZE <= size <= MAX_DECK_SIZE else None
