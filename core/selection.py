"""Local candidate selection: what is worth a card for this learner. No LLM involved.

For each word family of the transcript, once (the deck has no duplicate lemmas):
- not a word to learn: names, numbers in every form, interjections, code and web pieces,
  and the pieces of a fixed expression where that expression is said (core/expressions);
- already known: the learner's own known words, and what speakers of the learner's
  language know of English (core/learners: for Korean, the school curriculum by level and
  everyday loanwords);
- below the learner's level (core/grading: a graded list first, frequency where the lists
  are silent), or far above it and said only once;
- ranked by what the learner gains from it (core/ranking), and given the occurrence whose
  sentence shows it best: a complete sentence of 6-25 words, at most two cards a sentence
  where the video says the word elsewhere too.
Expressions at or above the learner's level become phrase candidates the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from core.expressions import Match, Token, find_expressions
from core.grading import LEVELS, grade, graded_words, level_index
from core.learners import prior_knowledge
from core.models import Candidate, PhraseCandidate, Segment
from core.ranking import phrase_score, word_score
from core.sentences import best_sentences
from core.words import (
    INTERJECTIONS,
    headword,
    is_code,
    is_dictionary_word,
    is_grammar,
    is_interjection,
    is_number,
    is_proper_noun,
    lemma_of,
    tokens,
    warm_up,
    zipf,
)

__all__ = [
    "INTERJECTIONS",
    "LEVELS",
    "Selection",
    "lemma_of",
    "normalise_level",
    "select",
    "tokens",
    "warm_up",
]

log = logging.getLogger(__name__)

# Rarer than this is mostly transcription noise, typos or names, unless the video says it
# again and again (a lecture's own term).
MIN_ZIPF = 1.5
MIN_LENGTH = 3
# A word this many levels above the learner and said once waits for a later deck.
TOO_HARD_GAP = 3
# Among the ~1,500 most frequent words of English ("sometimes", "rest"), a word a graded
# list puts at B1 or above for one of its senses is met by every learner by A2.
EVERYDAY_ZIPF = 5.2
EVERYDAY_INDEX = 1  # A2
_SENTENCE_MARKS = (".", "!", "?", "…")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def normalise_level(level: str) -> str:
    level = level.strip().upper()
    return level if level in LEVELS else "B1"


def _language(code: str) -> str:
    return code.split("-")[0].lower() or "en"


@dataclass(frozen=True, slots=True)
class _Said:
    """One occurrence of a word: its token position, caption line and written form."""

    position: int
    segment: int
    token: str


@dataclass
class Selection:
    """What to ask the model about, and what was left out and why (for the report)."""

    words: list[Candidate] = field(default_factory=list)
    phrases: list[PhraseCandidate] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)


def looks_generated(segments: Sequence[Segment]) -> bool:
    """Captions with no capitals and almost no punctuation: speech recognition wrote them."""
    text = " ".join(s.text for s in segments[:400])
    words = _WORD.findall(text)
    if len(words) < 40:
        return False
    capitals = sum(1 for w in words if w[:1].isupper())
    marks = sum(text.count(m) for m in _SENTENCE_MARKS)
    return capitals < 0.02 * len(words) and marks < 0.01 * len(words)


def _tokens(segments: Sequence[Segment], lang: str) -> tuple[list[Token], list[_Said], set[int]]:
    """Every word of the transcript (as expression-matching tokens), the same words with
    their written form, and the positions where a capitalised word starts a sentence."""
    out: list[Token] = []
    said: list[_Said] = []
    at_start: set[int] = set()
    sentence = 0
    gap = "."
    for segment in segments:
        position = 0
        for match in _WORD.finditer(segment.text):
            gap += segment.text[position : match.start()]
            position = match.end()
            if any(mark in gap for mark in _SENTENCE_MARKS):
                sentence += 1
                at_start.add(len(out))
            gap = ""
            token = match.group(0)
            lower = token.lower().replace("’", "'")
            out.append(Token(lower, lemma_of(lower, lang), segment.index, sentence))
            said.append(_Said(len(said), segment.index, token))
        gap += segment.text[position:] + " "
    return out, said, at_start


def _not_a_word(
    token: str, lower: str, lang: str, *, capitalised_only: bool, at_start: bool
) -> str:
    """Why `token` is never a card ("" when it may be one)."""
    if len(lower) < MIN_LENGTH or "'" in lower:
        return "short"
    if capitalised_only and (not at_start or zipf(lower, lang) < MIN_ZIPF):
        return "name"  # a mid-sentence capital, or an unknown capitalised word
    if lang != "en":
        return ""
    if is_interjection(lower):
        return "interjection"
    if is_grammar(lower):
        return "grammar"
    if is_number(lower, lemma_of(lower, lang)):
        return "number"
    if is_code(lower):
        return "code"
    if is_proper_noun(lower, lang):
        return "name"
    if "-" not in lower and not is_dictionary_word(lower, lang):
        return "not in the dictionary (a brand, a coinage or jargon)"
    return ""


# Words before an -ing or -ed form that make it an adjective ("the leading hypothesis",
# "really satisfying"), and words that make it a verb ("we confused them", "have figured").
_BEFORE_ADJECTIVE = frozenset(
    "a an the this that these those another very more most so really quite such its their "
    "his her our your my too pretty genuinely super extremely incredibly rather less least "
    "fairly slightly somewhat".split()
)
# Words after which an -ing or -ed form the lists hold as an adjective is one ("the menu is
# confusing", "they are hidden"), where elsewhere it is mostly the verb ("moving files").
_LINKING = frozenset(
    "is are was were be been being am 's 're 'm get gets got getting feel feels felt seem "
    "seems seemed look looks looked become becomes became sound sounds stay stays remain "
    "remains".split()
)


def _adjective_use(stream: Sequence[Token], position: int) -> bool:
    """The word at `position` is an -ing/-ed form used as an adjective: after an article or
    an intensifier, or (for a form the lists hold as an adjective) after "is", "seems"."""
    lower = stream[position].lower
    if not lower.endswith(("ing", "ed", "en")) or len(lower) < 6 or position == 0:
        return False
    if lower == stream[position].lemma:
        return False  # not an inflected form: "interesting" is its own lemma already
    before = stream[position - 1].lower
    if before in _BEFORE_ADJECTIVE:
        return True
    listed = "adj" in graded_words().get(lower, {})
    return listed and (before in _LINKING or before.endswith(("'s", "'re", "'m")))


def _own_adjective(stream: Sequence[Token], position: int, verb: str, lang: str) -> bool:
    """The -ing/-ed form at `position` is an adjective of its own: used as one, and either
    listed as one ("striking") or said about as often as its verb ("satisfying"); "the
    sleeping brain" still teaches "sleep"."""
    lower = stream[position].lower
    own = "adj" in graded_words().get(lower, {}) or zipf(lower, lang) > zipf(verb, lang) - 0.3
    return own and _adjective_use(stream, position)


def _gate_level(lemma: str, frequency: float) -> tuple[str, str]:
    """`lemma`'s level before its part of speech is known, and its source: the easiest of
    its listed senses (a learner who knows "present" the noun has met the word)."""
    found = grade(lemma, frequency)
    return found.level, found.source


def select(
    segments: Iterable[Segment],
    *,
    language: str = "en",
    level: str = "B1",
    known: Iterable[str] = (),
    learner_language: str = "",
    generated: bool = False,
) -> Selection:
    """The words and expressions worth learning at `level`, ranked, each family once."""
    lang = _language(language)
    level = normalise_level(level)
    segments = list(segments)
    known_set = {k.strip().lower() for k in known}
    prior = prior_knowledge(learner_language) if lang == "en" else None
    stream, said, at_start = _tokens(segments, lang)
    matches = find_expressions(stream) if lang == "en" else []
    covered = {p for m in matches for p in m.positions}
    # A word never written in lowercase in the whole transcript, and capitalised in the
    # middle of a sentence at least once, is a name everywhere ("Gutenberg" at a sentence's
    # start too).
    lowercase_forms = {s.token.lower() for s in said if s.token.islower()}
    names = {
        s.token.lower()
        for s in said
        if not s.token.islower()
        and s.token.lower() not in lowercase_forms
        and s.position not in at_start
    }
    selection = Selection()
    families: dict[str, list[_Said]] = {}
    for occurrence in said:
        if occurrence.position in covered:
            continue
        token = occurrence.token
        lower = stream[occurrence.position].lower
        why = _not_a_word(
            token,
            lower,
            lang,
            capitalised_only=not token.islower() and lower not in lowercase_forms,
            at_start=occurrence.position in at_start and lower not in names,
        )
        if why:
            if len(lower) >= MIN_LENGTH:
                selection.dropped.setdefault(lower, why)
            continue
        family = headword(lower, lang)
        if family != lower and _own_adjective(stream, occurrence.position, family, lang):
            family = lower  # "a striking finding" teaches "striking", not "strike"
        families.setdefault(family, []).append(occurrence)
    scored: list[tuple[Candidate, list[_Said]]] = []
    for family, occurrences in families.items():
        lemma = family
        forms = {lemma, family, *(stream[o.position].lower for o in occurrences)}
        if forms & known_set:
            selection.dropped[lemma] = "known"
            continue
        frequency = zipf(lemma, lang) or zipf(stream[occurrences[0].position].lower, lang)
        count = len(occurrences)
        word_level, source = _gate_level(lemma, frequency)
        if prior is not None:
            word_level = prior.level(lemma, word_level, frequency)
        if frequency >= EVERYDAY_ZIPF and level_index(word_level) > EVERYDAY_INDEX:
            word_level = LEVELS[EVERYDAY_INDEX]
        why = _why_not(lemma, word_level, source, frequency, count, level, prior)
        if why:
            selection.dropped[lemma] = why
            continue
        unsure = generated and count == 1 and source == "frequency"
        score = word_score(
            level=word_level,
            source=source,
            zipf=frequency,
            count=count,
            learner_level=level,
            unsure=unsure,
        )
        candidate = Candidate(
            lemma, occurrences[0].token.lower(), round(frequency, 2), occurrences[0].segment,
            word_level, source, count, score,
        )  # fmt: skip
        scored.append((candidate, occurrences))
    phrases = _phrases(matches, level)
    selection.words, selection.phrases = _place(segments, stream, scored, phrases)
    return selection


def _why_not(
    lemma: str,
    word_level: str,
    source: str,
    frequency: float,
    count: int,
    level: str,
    prior: object,
) -> str:
    """Why `lemma` is not a card for this learner ("" when it is one)."""
    gap = level_index(word_level) - level_index(level)
    if gap < 0:
        return f"below level ({word_level})"
    if frequency < MIN_ZIPF and count < 3:
        return "too rare (noise or a name)"
    if gap >= TOO_HARD_GAP and count < 2:
        return f"far above level ({word_level})"
    known_by = getattr(prior, "known", None)
    if known_by is not None:
        reason = known_by(lemma, level)
        if reason:
            return str(reason)
    return ""


def _phrases(matches: Sequence[Match], level: str) -> list[tuple[PhraseCandidate, list[Match]]]:
    grouped: dict[str, list[Match]] = {}
    for match in matches:
        grouped.setdefault(match.expression.text, []).append(match)
    out = []
    for text, group in grouped.items():
        expression = group[0].expression
        if level_index(expression.level) < level_index(level):
            continue
        score = phrase_score(level=expression.level, count=len(group), learner_level=level)
        out.append((PhraseCandidate(text, expression.level, 0, len(group), score), group))
    return out


def _place(
    segments: Sequence[Segment],
    stream: Sequence[Token],
    words: list[tuple[Candidate, list[_Said]]],
    phrases: list[tuple[PhraseCandidate, list[Match]]],
) -> tuple[list[Candidate], list[PhraseCandidate]]:
    """Each card at the occurrence whose sentence shows it best (core.sentences), in the
    order of the video (for chunking)."""
    spots = [[(o.segment, o.token) for o in occurrences] for _, occurrences in words]
    spots += [
        [(stream[m.start].segment, stream[m.start].lower) for m in group] for _, group in phrases
    ]
    scores = [c.score for c, _ in words] + [p.score for p, _ in phrases]
    chosen = best_sentences(segments, list(zip(scores, spots, strict=True)))
    placed_words = [
        replace(c, segment=segment, surface=needle.lower().replace("’", "'"))
        for (c, _), (segment, needle) in zip(words, chosen[: len(words)], strict=True)
    ]
    placed_phrases = [
        replace(p, segment=segment)
        for (p, _), (segment, _needle) in zip(phrases, chosen[len(words) :], strict=True)
    ]
    placed_words.sort(key=lambda c: (c.segment, -c.score))
    placed_phrases.sort(key=lambda p: (p.segment, -p.score))
    return placed_words, placed_phrases
