from collections.abc import Sequence
from pathlib import Path

import pytest

from core import errors
from core.models import Transcript
from core.transcripts import (
    ChainSource,
    DirectorySource,
    load_transcript_file,
    load_transcript_text,
)
from devtools.samples import COFFEE_HOWTO, SLEEP_TALK

SRT = """1
00:00:01,000 --> 00:00:03,500
Hello <i>there</i>,
my friend.

2
00:01:02,250 --> 00:01:04,000
Second line
"""

VTT_ROLLING = """WEBVTT

00:00:00.000 --> 00:00:02.000
we are going to

00:00:02.000 --> 00:00:04.000
we are going to
talk about memory

00:00:04.000 --> 00:00:06.000
talk about memory
and sleep
"""


def test_srt_keeps_start_times_and_strips_tags() -> None:
    t = load_transcript_text(SRT, ".srt", video_id="dQw4w9WgXcQ")
    assert [s.text for s in t.segments] == ["Hello there , my friend.", "Second line"]
    assert t.segments[1].start == pytest.approx(62.25)
    assert t.timed


def test_vtt_drops_the_rolling_repeats_of_auto_captions() -> None:
    t = load_transcript_text(VTT_ROLLING, ".vtt")
    assert [s.text for s in t.segments] == ["we are going to", "talk about memory", "and sleep"]
    assert [s.start for s in t.segments] == [0.0, 2.0, 4.0]


def test_txt_with_timestamps() -> None:
    t = load_transcript_text("0:05 first line\n[1:02:03] second line\n", ".txt")
    assert [(s.start, s.text) for s in t.segments] == [(5.0, "first line"), (3723.0, "second line")]
    assert t.timed


def test_plain_txt_gets_estimated_times_and_is_marked_untimed() -> None:
    t = load_transcript_text("one two three four five\nsix seven\n", ".txt")
    assert len(t.segments) == 2
    assert t.segments[1].start == pytest.approx(2.0)
    assert not t.timed


@pytest.mark.parametrize(
    ("text", "suffix", "error"),
    [
        ("", ".srt", errors.EmptyTranscript),
        ("WEBVTT\n\n", ".vtt", errors.EmptyTranscript),
        ("not a vtt file at all", ".vtt", errors.TranscriptFileError),
        ("anything", ".docx", errors.TranscriptFileError),
    ],
)
def test_bad_files_give_a_clear_error(text: str, suffix: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        load_transcript_text(text, suffix)


def test_unreadable_file_is_a_transcript_error(tmp_path: Path) -> None:
    path = tmp_path / "talk.srt"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(errors.TranscriptFileError) as info:
        load_transcript_file(path)
    assert ".srt" in info.value.user_message


def test_bundled_samples_load_with_their_video_id_and_language() -> None:
    sleep = load_transcript_file(SLEEP_TALK)
    coffee = load_transcript_file(COFFEE_HOWTO)
    assert (sleep.video_id, sleep.language) == ("vocabDemo01", "en")
    assert (coffee.video_id, coffee.language) == ("vocabDemo02", "en")
    assert sleep.duration > 300
    assert all(s.index == i for i, s in enumerate(sleep.segments))


async def test_directory_then_fallback_source(tmp_path: Path) -> None:
    (tmp_path / "abcdefghij1.srt").write_text(SRT, encoding="utf-8")
    folder = DirectorySource(tmp_path)
    found = await folder.fetch("abcdefghij1", ["en"])
    assert found.video_id == "abcdefghij1"

    class Fallback:
        async def fetch(self, video_id: str, languages: Sequence[str]) -> Transcript:
            raise errors.CaptionsDisabled(video_id)

    chain = ChainSource(folder, Fallback())
    assert (await chain.fetch("abcdefghij1", ["en"])).segments
    with pytest.raises(errors.CaptionsDisabled):
        await chain.fetch("zzzzzzzzzz9", ["en"])
