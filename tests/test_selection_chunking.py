import pytest

from core.chunking import estimate_tokens, make_chunks
from core.models import Segment
from core.pipeline import sentence_around
from core.selection import select
from core.transcripts import load_transcript_file
from devtools.samples import SLEEP_TALK


def segs(*texts: str) -> list[Segment]:
    return [Segment(i, float(i * 3), 3.0, t) for i, t in enumerate(texts)]


def test_each_lemma_once_and_no_sentence_carries_three_cards() -> None:
    segments = segs(
        "The industries consolidated their hypotheses.",
        "Industry consolidates; the hypothesis of consolidation stands.",
    )
    found = select(segments, level="A2").words
    lemmas = [c.lemma for c in found]
    assert len(lemmas) == len(set(lemmas))
    assert "industry" in lemmas and "industries" not in lemmas
    assert "consolidate" in lemmas and "consolidated" not in lemmas
    # the second line is the better sentence, but it already carries two cards (industry,
    # consolidate): "hypothesis" is shown in the first line, where the video also says it
    by_segment = {c.lemma: c.segment for c in found}
    assert by_segment["hypothesis"] == 0
    assert sum(1 for s in by_segment.values() if s == 1) <= 2
    assert "consolidation" in lemmas


def test_common_words_and_stopwords_are_gone() -> None:
    found = {c.lemma for c in select(segs("The people have a very good time.")).words}
    assert found == set()


def test_known_words_are_skipped_by_lemma_or_form() -> None:
    segments = segs("Researchers consolidate hypotheses about hippocampus replay.")
    all_words = {c.lemma for c in select(segments, level="B2").words}
    assert {"hypothesis", "consolidate"} <= all_words
    known_words = {"hypotheses", "consolidate"}
    known = {c.lemma for c in select(segments, level="B2", known=known_words).words}
    assert "hypothesis" not in known and "consolidate" not in known
    assert "hippocampus" in known


def test_names_and_numbers_are_not_vocabulary() -> None:
    segments = segs("Yesterday Bartholomew visited Copenhagen with ninety-six colleagues.")
    lemmas = {c.lemma for c in select(segments, level="C2").words}
    assert "bartholomew" not in lemmas and "copenhagen" not in lemmas
    assert "ninety-six" not in lemmas


def test_level_changes_what_counts_as_known() -> None:
    transcript = load_transcript_file(SLEEP_TALK)
    beginner = select(transcript.segments, level="A2")
    advanced = select(transcript.segments, level="C1").words
    assert len(beginner.words) > len(advanced) > 0
    # what a C1 learner gets and an A2 learner does not waits: far above A2, said once
    for lemma in {c.lemma for c in advanced} - {c.lemma for c in beginner.words}:
        assert beginner.dropped[lemma].startswith("far above level"), lemma


def test_chunks_keep_order_times_and_both_budgets() -> None:
    transcript = load_transcript_file(SLEEP_TALK)
    candidates = select(transcript.segments).words
    chunks = make_chunks(transcript.segments, candidates, max_tokens=300, max_items=8)
    flat = [s for c in chunks for s in c.segments]
    assert flat == list(transcript.segments)  # every segment once, in order
    assert sum(len(c.candidates) for c in chunks) == len(candidates)
    for chunk in chunks:
        assert chunk.tokens <= 300 or len(chunk.segments) == 1
        assert len(chunk.candidates) <= 8 or len(chunk.segments) == 1
        assert {c.segment for c in chunk.candidates} <= {s.index for s in chunk.segments}
        assert chunk.start == chunk.segments[0].start
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_a_three_hour_transcript_chunks_to_the_token_budget() -> None:
    line = "and so the committee gradually reconsidered its unusually ambitious proposal"
    segments = [Segment(i, i * 4.0, 4.0, f"{line} {i}") for i in range(2700)]  # 3 hours
    chunks = make_chunks(segments, [], max_tokens=2000, max_items=12)
    total = sum(estimate_tokens(s.text) for s in segments)
    assert len(chunks) == -(-total // 2000) or len(chunks) == -(-total // 2000) + 1
    assert chunks[-1].end == segments[-1].end


def test_cards_show_the_whole_sentence_and_where_it_starts() -> None:
    segments = [
        Segment(0, 0.0, 3.0, "Welcome back. Today we are going"),
        Segment(1, 3.0, 3.0, "to consolidate what we learned"),
        Segment(2, 6.0, 3.0, "last week. Then we rest."),
    ]
    sentence, start = sentence_around(segments, 1, "consolidate")
    assert sentence == "Today we are going to consolidate what we learned last week."
    assert start == 0.0, "the link goes to the line where the sentence starts"
    # "Then we rest." alone is too short to teach anything: it borrows the sentence before,
    # and the link still goes to the line where the word is said.
    assert sentence_around(segments, 2, "rest") == (
        "Today we are going to consolidate what we learned last week. Then we rest.",
        6.0,
    )
    run_on = [Segment(i, i * 3.0, 3.0, "and so on " * 12) for i in range(9)]
    assert sentence_around(run_on, 4, "so") == (run_on[4].text, 12.0), "no sentence: the line"


def lecture() -> list[Segment]:
    """Cues as a real lecture's captions have them: short answers between long sentences."""
    return segs(
        "So is this behaviour inherited from the parents?",
        "Or adopted.",
        "Yep.",
        "Yup, question.",
        "Excellent question.",
        "The offspring learn it by watching their mothers forage.",
        "mm-hmm okay",
    )


@pytest.mark.parametrize(
    ("index", "needle", "expected", "start"),
    [
        (1, "adopted", "So is this behaviour inherited from the parents? Or adopted.", 3.0),
        (
            3,
            "question",
            "Yup, question. Excellent question. The offspring learn it by watching their "
            "mothers forage.",
            9.0,
        ),
        (
            4,
            "question",
            "Excellent question. The offspring learn it by watching their mothers forage.",
            12.0,
        ),
    ],
)
def test_a_fragment_borrows_its_neighbours_for_context(
    index: int, needle: str, expected: str, start: float
) -> None:
    sentence, at = sentence_around(lecture(), index, needle)
    assert sentence == expected
    assert at == start, "the link still points at the second the word is said"


def test_a_short_caption_line_without_punctuation_borrows_whole_neighbouring_lines() -> None:
    talk = "and we kept talking about the way the animals behave when nobody is around"
    run_on = segs(talk, talk, "adopted it", talk, talk)  # auto captions: no punctuation
    sentence, start = sentence_around(run_on, 2, "adopted")
    assert sentence in (f"{talk} adopted it", f"adopted it {talk}")
    assert start == 6.0, "the link still points at the line where the word is said"


def test_interjections_and_fillers_are_never_vocabulary() -> None:
    lemmas = {c.lemma for c in select(lecture(), level="B1").words}
    assert {"inherit", "adopt", "offspring", "forage"} <= lemmas
    assert not {"yep", "yup", "mm-hmm", "okay"} & lemmas
    for filler in ("Yeah", "Uh-huh", "Hmm", "Whoa", "Nope", "Gosh", "Um", "Oops", "Alright"):
        found = {c.lemma for c in select(segs(f"{filler}, the offspring."), level="C2").words}
        assert filler.lower() not in found, filler
