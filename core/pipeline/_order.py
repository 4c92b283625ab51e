"""A deck's order: best first, and no card for a piece of a phrase the deck teaches.

The learner gets the first DECK_SIZE cards (core.models.shown_counts), so each list is
ranked by the scores selection gave (core/ranking.py): a word's, or a phrase's, found
locally; a phrase only the model found ranks as one at the learner's level.

While a deck is built its first page is shown as chunks answer (core/pipeline/_page.py); a
word once shown keeps its place, so the deck's words start with the words shown, in that
order, and the rest (ranked) come after them.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.models import Chunk, Phrase, Word
from core.ranking import phrase_score
from core.words import lemma_of, tokens


def _lemmas(text: str) -> list[str]:
    return [lemma_of(t.lower()) for t in tokens(text)]


def piece_of_phrase(word: Word, phrases: Sequence[Phrase]) -> bool:
    """`word` is one of the words of a phrase said in the word's own sentence ("wrap" in
    "Let's wrap up.", when the deck teaches "wrap up")."""
    said: set[str] | None = None
    for phrase in phrases:
        pieces = _lemmas(phrase.text)
        if word.lemma not in pieces and lemma_of(word.lemma) not in pieces:
            continue
        if said is None:
            said = set(_lemmas(word.sentence))
        if said.issuperset(pieces):
            return True
    return False


# A card whose sentence already shows this many better cards ranks as if this much worse
# for each: the first page teaches from many sentences, not three cards from one.
CROWDED = 2
CROWDED_PENALTY = 0.12


def spread(words: list[Word], scores: dict[str, float]) -> list[Word]:
    """`words` (best first) reordered so that few cards near the top share a sentence."""
    out: list[Word] = []
    seen: dict[str, int] = {}
    waiting = list(words)
    while waiting:

        def adjusted(word: Word) -> float:
            crowd = max(0, seen.get(word.sentence, 0) - CROWDED + 1)
            return scores.get(word.lemma, 0.0) - CROWDED_PENALTY * crowd

        best = max(range(len(waiting)), key=lambda i: (adjusted(waiting[i]), -i))
        word = waiting.pop(best)
        seen[word.sentence] = seen.get(word.sentence, 0) + 1
        out.append(word)
    return out


def ranked(
    words: Sequence[Word],
    phrases: Sequence[Phrase],
    chunks: Sequence[Chunk],
    learner_level: str,
    *,
    shown: Sequence[str] = (),
) -> tuple[tuple[Word, ...], tuple[Phrase, ...]]:
    """Words and phrases, each best first; words that are pieces of a phrase left out.
    The words (lemmas) already `shown` to the learner come first, in the order shown."""
    word_scores = {c.lemma: c.score for chunk in chunks for c in chunk.candidates}
    phrase_scores = {p.text: p.score for chunk in chunks for p in chunk.phrases}
    place = {lemma: i for i, lemma in enumerate(shown)}
    pinned = sorted((w for w in words if w.lemma in place), key=lambda w: place[w.lemma])
    kept = [w for w in words if w.lemma not in place and not piece_of_phrase(w, phrases)]
    kept.sort(key=lambda w: (-word_scores.get(w.lemma, 0.0), w.start or 0.0, w.lemma))
    kept = pinned + spread(kept, word_scores)

    def score(phrase: Phrase) -> float:
        found = phrase_scores.get(phrase.text.lower())
        if found is not None:
            return found
        level = phrase.level or learner_level
        return phrase_score(level=level, count=1, learner_level=learner_level)

    ordered = sorted(phrases, key=lambda p: (-score(p), p.start or 0.0, p.text.lower()))
    return tuple(kept), tuple(ordered)
