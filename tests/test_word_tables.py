"""The bot's compact word data answers exactly what wordfreq and simplemma answer.

core/words.py reads frequencies from core/wordlists/en/zipf.txt (core/frequency.py) and
lemmas from simplemma's low-memory dictionary, instead of the libraries' in-memory tables
(about 55 MB of a bot process). These tests hold them to the libraries as core/words.py
called them before: `wordfreq.zipf_frequency(word, lang)`, `simplemma.lemmatize(word,
lang=lang)` and `simplemma.is_known(word, lang=lang)`, over every word of the bundled
samples, the selection data, the word lists and the tests, and over a sample of both
libraries' whole English vocabulary (all of it under `-m slow`).
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
import simplemma
import wordfreq
from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY
from wordfreq.tokens import lossy_tokenize

from core import frequency, words
from devtools.wordtables import TARGET, zipf_lines

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = [
    *(ROOT / "devtools" / "samples").glob("*.*t"),
    *(ROOT / "bench" / "selection_data").iterdir(),
    *(ROOT / "core" / "wordlists").glob("*.csv"),
    *(ROOT / "core" / "wordlists" / "en").glob("[!iz]*.txt"),
    *(ROOT / "core" / "wordlists" / "ko").glob("*.txt"),
    *(ROOT / "tests").glob("*.py"),
]


def fixture_words() -> set[str]:
    """Every token (core.words.tokens) of the fixtures, lowercase, with its lemma."""
    found = {
        token.lower()
        for path in FIXTURES
        for token in words.tokens(path.read_text(encoding="utf-8"))
    }
    return found | {words.lemma_of(w) for w in found}


def vocabulary() -> list[str]:
    """Both libraries' English words: wordfreq's list and simplemma's dictionary keys."""
    listed = [w for bucket in wordfreq.get_frequency_list("en") for w in bucket]
    return sorted(set(listed) | set(DEFAULT_DICTIONARY_FACTORY.get_dictionary("en")))


def tricky() -> list[str]:
    """Apostrophes, elisions, hyphens, curly quotes, accents, case, other scripts."""
    letters = [*"aehyt", *"éñßłāİ", *"Σςж", *"한漢ア"]
    pieces = ["", "'", "’", "-"]
    made = {
        f"{a}{b}{sep}{c}{d}"
        for a, b, c, d in itertools.product(letters, ["", "l", "é"], letters, ["", "ll"])
        for sep in pieces
    }
    return [
        *sorted(made),
        "y'all",
        "y’all",
        "l'arc-en-ciel",
        "qu'un",
        "rock'n'roll",
        "o'clock",
        "don’t",
        "well-organized",
        "mother-in-law",
        "Straße",
        "CAFÉ",
        "cafe\u0301",
        "naïve",
        "x-ray",
        "co-operate",
        "i'd've",
        "wouldn't-have",
        "re-élan",
        "3d",
        "covid-19",
        "안녕하세요",
        "москва",
        "ὀδυσσεύς",
        "ΐ",
        "한국어-english",
        "東京",
        "ひらがな",
    ]


def assert_same(sample: list[str]) -> None:
    zipf_diff = [
        (w, frequency.zipf_frequency(w, "en"), wordfreq.zipf_frequency(w, "en"))
        for w in sample
        if repr(frequency.zipf_frequency(w, "en")) != repr(wordfreq.zipf_frequency(w, "en"))
    ]
    assert zipf_diff == []
    lemma_diff = [
        w
        for w in sample
        if simplemma.lemmatize(w, lang="en", low_memory=True) != simplemma.lemmatize(w, lang="en")
        or simplemma.is_known(w, lang="en", low_memory=True) != simplemma.is_known(w, lang="en")
    ]
    assert lemma_diff == []


def test_the_shipped_frequency_file_is_the_installed_wordfreq_list() -> None:
    assert TARGET.read_text(encoding="utf-8") == zipf_lines(), "python -m devtools.wordtables"


def test_every_fixture_word_has_the_libraries_frequency_and_lemma() -> None:
    sample = sorted(fixture_words())
    assert len(sample) > 10_000
    assert_same(sample)
    assert_same([w.capitalize() for w in sample[::7]])


def test_wordfreq_tokens_of_apostrophes_hyphens_and_accents() -> None:
    covered = 0
    for text in tricky():
        ours = frequency.en_tokens(text)
        if ours is not None:
            covered += 1
            assert ours == lossy_tokenize(text, "en"), text
    assert covered > 1_000
    assert frequency.en_tokens("y'all") == ["y", "all"]
    assert frequency.en_tokens("y’all") == ["y'all"]
    assert frequency.en_tokens("well-organized") == ["well", "organized"]
    assert_same(tricky())


def test_a_sample_of_the_whole_vocabulary() -> None:
    assert_same(vocabulary()[::40])


@pytest.mark.slow
def test_the_whole_vocabulary() -> None:
    assert_same(vocabulary())


def test_words_outside_the_file_and_other_languages_still_get_an_answer() -> None:
    assert frequency.zipf_frequency("covid-19", "en") == wordfreq.zipf_frequency("covid-19", "en")
    assert frequency.zipf_frequency("casa", "es") == wordfreq.zipf_frequency("casa", "es") > 4
    assert words.zipf("the") == 7.73 and words.zipf("glymphatic") == 0.0
    assert words.lemma_of("industries") == "industry"


def test_choosing_words_loads_neither_library_table() -> None:
    """What a bot process does with words (warm-up, then selection over the bundled samples)
    imports no wordfreq and builds no simplemma in-memory dictionary: about 55 MB it held."""
    script = (
        "import sys\n"
        "from core.selection import select, warm_up\n"
        "from core.subtitles import load_transcript_file\n"
        "from devtools.samples import SAMPLES_DIR\n"
        "from simplemma.strategies.dictionaries.dictionary_factory import "
        "DEFAULT_DICTIONARY_FACTORY as full\n"
        "warm_up('en')\n"
        "for path in sorted(SAMPLES_DIR.glob('*.*t')):\n"
        "    segments = list(load_transcript_file(path).segments)\n"
        "    assert select(segments, level='B1', learner_language='ko').words\n"
        "print('wordfreq' in sys.modules, full._get_dictionary.cache_info().currsize)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "0"]
