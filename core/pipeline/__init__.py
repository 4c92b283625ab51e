"""The pipeline: transcript -> local selection -> one parallel round of LLM calls -> Deck.

One structured-output call per chunk returns words AND phrases with context meanings;
all chunks run at once (bounded by the LLM client's global limit). A chunk that keeps
failing does not sink the deck: the deck comes back with what succeeded and names the
parts of the video that are missing.

The round is durable and hang-proof: every answer is handed to a checkpoint as it
arrives (a restarted build asks only for the rest), a straggler is asked again in
parallel once the rest of the video is done (the first answer wins), and the chunks run
in a task group, so an unexpected error stops every sibling call instead of leaving them
running.

Its parts: `_planning` (candidates and chunks), `_round` (the parallel round and its
hedging), `_checkpoints` (saved answers), `_cards` (cards from answers, meaning checks,
sentences) and `_builder` (the Pipeline that runs them in order).
"""

from core.pipeline._builder import Pipeline, ProgressCallback
from core.pipeline._cards import MAX_MEANING, bad_meanings
from core.pipeline._checkpoints import Checkpoint
from core.pipeline._planning import DeckRequest
from core.pipeline._round import HEDGE_FACTOR
from core.sentences import MAX_SENTENCE_CHARS, MIN_SENTENCE_WORDS, sentence_around, sentence_span

__all__ = [
    "HEDGE_FACTOR",
    "MAX_MEANING",
    "MAX_SENTENCE_CHARS",
    "MIN_SENTENCE_WORDS",
    "Checkpoint",
    "DeckRequest",
    "Pipeline",
    "ProgressCallback",
    "bad_meanings",
    "sentence_around",
    "sentence_span",
]
