"""`vocabot build` and `vocabot demo` as a user runs them, on embedded defaults."""

import json

import pytest

from bot.cli import main
from devtools.glosses import simulated_meaning
from devtools.samples import COFFEE_HOWTO


@pytest.fixture(autouse=True)
def fast_sim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_SPEEDUP", "200")


def test_build_a_file_prints_the_deck_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(COFFEE_HOWTO), "--json", "--lang", "ja"]) == 0
    deck = json.loads(capsys.readouterr().out)
    assert deck["video_id"] == "vocabDemo02"
    assert deck["learner_language"] == "ja"
    lemmas = [w["lemma"] for w in deck["words"]]
    assert "barista" in lemmas and len(lemmas) == len(set(lemmas))
    assert all(w["meaning"] == simulated_meaning(w["lemma"], "ja") for w in deck["words"])
    assert deck["stats"]["llm_calls"] == deck["stats"]["chunks"]


def test_build_a_bundled_video_id_by_link(capsys: pytest.CaptureFixture[str]) -> None:
    # a Japanese learner: "barista" is a loanword a Korean learner knows, not a card for one
    args = ["build", "https://youtu.be/vocabDemo02?t=3", "--level", "C1", "--lang", "ja"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "barista" in out and "vocabDemo02" in out


def test_garbage_gets_a_friendly_sentence_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["build", "hello there"]) == 1
    captured = capsys.readouterr()
    assert "doesn't look like a YouTube video link" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_demo_runs_on_embedded_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--speedup", "200"]) == 0
    out = capsys.readouterr().out
    assert "hippocampus" in out
    assert "LLM calls" in out


@pytest.mark.parametrize("name", ["missing.srt", "subs/missing.vtt", "notes.txt"])
def test_a_subtitle_file_that_is_not_there_is_named(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["build", name]) == 1
    err = capsys.readouterr().err
    assert "can't find" in err and name in err
    assert "YouTube video link" not in err


@pytest.mark.parametrize(
    ("option", "value"), [("--lang", "xx"), ("--level", "Z9"), ("--level", "B3")]
)
@pytest.mark.parametrize("command", ["build", "demo"])
def test_unknown_languages_and_levels_are_refused(
    capsys: pytest.CaptureFixture[str], command: str, option: str, value: str
) -> None:
    target = [str(COFFEE_HOWTO)] if command == "build" else []
    with pytest.raises(SystemExit) as info:
        main([command, *target, option, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"invalid choice: '{value}'" in err
    assert "ko" in err if option == "--lang" else "C2" in err


def test_levels_are_taken_in_any_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(COFFEE_HOWTO), "--json", "--level", "c1", "--lang", "JA"]) == 0
    deck = json.loads(capsys.readouterr().out)
    assert (deck["level"], deck["learner_language"]) == ("C1", "ja")
