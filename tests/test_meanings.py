"""Meanings a learner cannot use never become cards: wrong script, the word itself, noise.

What a real small model (llama.cpp + SmolLM2-135M) answered for a Korean learner is the
first row of cases: keyboard noise and English. The pipeline asks once for a repair, and a
chunk whose meanings stay unusable is reported like any failed chunk.
"""

import pytest

from core.meanings import meaning_problem
from core.pipeline import DeckRequest, Pipeline, bad_meanings
from core.prompts import ChunkOut, PhraseOut, WordOut
from devtools.glosses import simulated_meaning
from tests.conftest import Sim

UNUSABLE = [
    ("djnhkxzwfqcgldmbvr", "consolidate", "ko"),  # noise, as SmolLM2-135M answered
    ("to make stronger", "consolidate", "ko"),  # English for a Korean learner
    ("consolidate (뜻)", "consolidate", "ko"),  # the word, with one Korean syllable
    ("consolidate", "consolidate", "es"),  # the word itself
    ("Consolidate!", "consolidate", "fr"),
    ("xkcdqwrtzplm", "consolidate", "es"),  # no vowels
    ("ааааааа", "consolidate", "ru"),  # repeated characters
    ("make firm", "consolidate", "ja"),
    ("", "consolidate", "de"),
    ("!!!", "consolidate", "ko"),
]
USABLE = [
    ("강화하다", "consolidate", "ko"),
    ("해마 (hippocampus)", "hippocampus", "ko"),  # the word beside its meaning is fine
    ("DNA 복제", "replication", "ko"),
    ("固める", "consolidate", "ja"),
    ("巩固", "consolidate", "zh"),
    ("укреплять", "consolidate", "ru"),
    ("consolidar", "consolidate", "es"),
    ("renforcer", "consolidate", "fr"),
    ("festigen", "consolidate", "de"),
    ("strengths", "force", "en"),
    ("개", "dog", "ko"),  # one-syllable Korean words exist
]


@pytest.mark.parametrize(("meaning", "term", "language"), UNUSABLE)
def test_unusable_meanings_are_named(meaning: str, term: str, language: str) -> None:
    assert meaning_problem(meaning, term, language) is not None


@pytest.mark.parametrize(("meaning", "term", "language"), USABLE)
def test_real_meanings_pass(meaning: str, term: str, language: str) -> None:
    assert meaning_problem(meaning, term, language) is None


@pytest.mark.parametrize("language", ["ko", "ja", "zh", "ru", "es", "fr", "de", "pt", "vi", "en"])
def test_the_simulators_meanings_pass_the_checks_in_every_learner_language(language: str) -> None:
    terms = ["consolidate", "hippocampus", "figure out", "barista", "wrap up", "sleep"]
    assert [t for t in terms if meaning_problem(simulated_meaning(t, language), t, language)] == []


def test_bad_meanings_lists_words_and_phrases() -> None:
    out = ChunkOut(
        w=[WordOut(l="dig", m="파다"), WordOut(l="brew", m="brew")],
        p=[PhraseOut(t="figure out", m="qwrtzpl", s=1)],
    )
    assert [term for term, _ in bad_meanings(out, "ko")] == ["brew", "figure out"]


async def test_noise_is_repaired_once_and_never_reaches_a_card(
    pipeline: Pipeline, sim: Sim
) -> None:
    sim.config.fault_queue = ["junkmeanings"]  # the first call answers noise, the repair is fine
    deck = await pipeline.build(DeckRequest("vocabDemo02"))
    assert not deck.is_partial
    assert deck.stats.llm_calls == deck.stats.chunks + 1, "one repair call"
    assert all(meaning_problem(w.meaning, w.lemma, "ko") is None for w in deck.words)
    assert all(meaning_problem(p.meaning, p.text, "ko") is None for p in deck.phrases)


async def test_a_chunk_whose_meanings_stay_unusable_is_a_missing_part(
    pipeline: Pipeline, sim: Sim
) -> None:
    sim.config.fault_rules = [("[0] ", "junkmeanings")]  # every call about the first chunk
    deck = await pipeline.build(DeckRequest("vocabDemo02"))
    assert deck.is_partial
    assert [g.reason for g in deck.missing] == ["llm_bad_output"] and deck.missing[0].start < 5
    assert deck.words, "the other chunks still make cards"
    assert all(meaning_problem(w.meaning, w.lemma, "ko") is None for w in deck.words)
    first_chunk_calls = [c for c in sim.server.calls if c.fault == "junkmeanings"]
    assert len(first_chunk_calls) == 2, "asked once, repaired once, then reported"
