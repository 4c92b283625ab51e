"""What the bundled coffee how-to (vocabDemo02) gives a Korean learner through the bundled
simulator: the sizes tests name when they page through it. They change only when selection
does (`python -m bench.selection` says why); a test that pages asserts on these, not on
numbers of its own."""

from core.models import shown_counts

COFFEE_WORDS, COFFEE_PHRASES = 52, 4  # at B1, the default level
COFFEE_CARDS = COFFEE_WORDS + COFFEE_PHRASES
COFFEE_B2_WORDS, COFFEE_B2_PHRASES = 18, 1
# LLM calls (chunks) of each sample's deck at B1 for a Korean learner
CHUNKS = {"vocabDemo01": 13, "vocabDemo02": 6}


def shown(size: int, words: int = COFFEE_WORDS, phrases: int = COFFEE_PHRASES) -> tuple[int, int]:
    """(words, phrases) of the coffee deck a learner gets first with DECK_SIZE `size`."""
    return shown_counts(words, phrases, size)


def pages(size: int = 30, words: int = COFFEE_WORDS, phrases: int = COFFEE_PHRASES) -> int:
    """Pages of the coffee deck's word list: its first cards' pages, then the rest's."""
    first, _ = shown(size, words, phrases)
    return max(1, -(-first // 5)) + -(-(words - first) // 5)
