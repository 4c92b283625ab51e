"""How much a learner gains from a card: the order of a deck, best first.

A card costs a learner a minute a day for weeks, and a learner studies the first 30 of a
deck, so the order matters as much as the choice. Three things count:
- level fit: a word at the learner's level, or one above, is the one to learn now; far
  above it can wait (a level from a graded list is trusted more than one from frequency);
- usefulness in the language: a word as frequent as those the learner's level is
  learning now will be met again soon; a far more frequent one is mostly known already
  (wordfreq's Zipf scale);
- use in the video: a word said five times is central to it, and its cards replay well.
Phrases rank with words on the same scale plus a bonus: the expression before its pieces.
"""

from __future__ import annotations

import math

from core.grading import level_index

# Level fit by how many levels above the learner a word is (0: at the level).
FIT = (0.95, 1.0, 0.75, 0.3)
WEIGHTS = (0.45, 0.30, 0.25)  # fit, usefulness, use in the video
# A level read off frequency, not a list, is trusted less: on labels written apart from
# this code, teachers kept 50-60% of such cards and 90% of listed ones.
FREQUENCY_TRUST = 0.7
PHRASE_BONUS = 0.1
# A word said once in auto-generated captions, unknown to every list, may be a mishearing.
UNSURE = 0.7


def level_fit(level: str, learner_level: str) -> float:
    gap = max(0, level_index(level) - level_index(learner_level))
    return FIT[min(gap, len(FIT) - 1)]


# The frequency (Zipf) of the words a learner at each level is learning now: the median of
# the graded lists' words one level up. Much more frequent words are mostly known already,
# much rarer ones less useful; usefulness falls off on both sides.
TARGET_ZIPF = {"A1": 4.6, "A2": 4.2, "B1": 3.75, "B2": 3.3, "C1": 2.9, "C2": 2.6}
USEFUL_SPAN = 2.0


def usefulness(zipf: float, learner_level: str) -> float:
    target = TARGET_ZIPF.get(learner_level, TARGET_ZIPF["B1"])
    return max(0.0, 1.0 - abs(zipf - target) / USEFUL_SPAN)


def use_in_video(count: int) -> float:
    return min(1.0, math.log2(1 + count) / 3)


def word_score(
    *,
    level: str,
    source: str,
    zipf: float,
    count: int,
    learner_level: str,
    unsure: bool = False,
) -> float:
    fit = level_fit(level, learner_level) * (FREQUENCY_TRUST if source == "frequency" else 1.0)
    useful = usefulness(zipf, learner_level)
    fit_w, useful_w, use_w = WEIGHTS
    score = fit_w * fit + useful_w * useful + use_w * use_in_video(count)
    return round(score * (UNSURE if unsure else 1.0), 4)


def phrase_score(*, level: str, count: int, learner_level: str) -> float:
    fit_w, useful_w, use_w = WEIGHTS
    score = fit_w * level_fit(level, learner_level) + useful_w * 0.7 + use_w * use_in_video(count)
    return round(score + PHRASE_BONUS, 4)
