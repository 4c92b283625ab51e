"""The CLI before any deck: `vocabot --help` is fast, the learner's data has one home
whatever the folder, deck ids are shown where a command asks for one, and a missing
install extra is named in one line."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

import core
from bot import cli
from bot.cli import main
from devtools.samples import COFFEE_HOWTO
from devtools.simllm import DIALECTS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fast_sim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_SPEEDUP", "200")


def test_help_loads_no_core_and_answers_fast() -> None:
    """`vocabot --help` was 0.8-1.5 s: it loaded actions, the pipeline and wordfreq.

    Fast because it loads none of core (checked exactly); the time is the process's own CPU
    time (interpreter start-up included), which other work on a shared machine does not
    stretch as it does the wall clock."""
    check = (
        "import sys, runpy, time\n"
        "sys.argv = ['vocabot', '--help']\n"
        "try:\n    runpy.run_module('bot', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "loaded = sorted(m for m in sys.modules if m == 'core' or m.startswith(('core.', "
        "'storage', 'pydantic', 'rich', 'httpx')))\n"
        "assert not loaded, loaded\n"
        "print('cpu', time.process_time(), file=sys.stderr)\n"
    )
    cpu = []
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "vocabot where" in result.stdout
        cpu.append(float(result.stderr.split("cpu")[-1]))
    assert sorted(cpu)[1] < 0.3, cpu


def test_the_parser_offers_exactly_cores_choices() -> None:
    assert cli.LEARNER_LANGUAGES == core.LEARNER_LANGUAGES
    assert cli.LEVELS == core.LEVELS
    assert cli.EXPORT_FORMATS == core.EXPORT_FORMATS
    assert cli.DIALECTS == DIALECTS


def handlers(parser: argparse.ArgumentParser) -> list[str]:
    """Every leaf subcommand's "module:function"."""
    if parser._subparsers is None:
        return [parser.get_default("func")]
    found: list[str] = []
    for action in parser._subparsers._group_actions:
        assert isinstance(action, argparse._SubParsersAction)
        for sub in action.choices.values():
            found += handlers(sub)
    return found


def test_every_subcommand_names_a_handler_that_exists() -> None:
    targets = handlers(cli.make_parser())
    assert len(targets) >= 15 and "bot.commands.operate:cmd_where" in targets
    for target in targets:
        assert callable(cli.resolve(target)), target


def test_decks_are_found_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the database was ./vocabot.sqlite3, so `vocabot export` run from another
    folder said "No decks to export"."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    monkeypatch.chdir(one)
    assert main(["build", str(COFFEE_HOWTO)]) == 0
    monkeypatch.chdir(two)
    capsys.readouterr()
    assert main(["export", "--format", "csv", "--out", "deck.csv"]) == 0
    assert "written to deck.csv" in capsys.readouterr().out
    assert (two / "deck.csv").stat().st_size > 0
    data = Path(os.environ["XDG_DATA_HOME"]) / "vocabot" / "vocabot.sqlite3"
    assert data.is_file()
    assert not (one / "vocabot.sqlite3").exists()


def test_where_names_the_data_file_and_db_path_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["where"]) == 0
    default = Path(os.environ["XDG_DATA_HOME"]) / "vocabot" / "vocabot.sqlite3"
    assert str(default) in capsys.readouterr().out
    mine = tmp_path / "mine.sqlite3"
    monkeypatch.setenv("DB_PATH", str(mine))
    assert main(["where"]) == 0
    assert f"{mine} (DB_PATH)" in capsys.readouterr().out
    assert main(["build", str(COFFEE_HOWTO)]) == 0
    assert mine.is_file() and not default.exists()


def test_decks_lists_ids_and_export_of_an_unknown_deck_lists_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before: `export --deck N` took ids that no command showed."""
    assert main(["decks"]) == 0
    assert "No decks yet" in capsys.readouterr().out
    assert main(["build", str(COFFEE_HOWTO)]) == 0
    capsys.readouterr()
    assert main(["decks"]) == 0
    listing = capsys.readouterr().out
    line = next(line for line in listing.splitlines() if "vocabDemo02" in line)
    deck_id = int(line.split()[0])
    assert "words" in line
    assert main(["export", "--deck", str(deck_id + 100)]) == 1
    refused = capsys.readouterr().err
    assert f"No deck {deck_id + 100}" in refused and "vocabDemo02" in refused
    assert main(["export", "--deck", str(deck_id), "--out", "one.apkg"]) == 0
    assert "from 1 deck(s) written to one.apkg" in capsys.readouterr().out


def test_a_token_without_its_face_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "discord", None)  # as if discord.py were not installed
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "a-token")
    monkeypatch.setenv("LLM_BASE_URL", "sim")
    assert main(["run"]) == 2
    said = capsys.readouterr().err
    assert 'pip install "vocabot[discord]"' in said
    assert "Traceback" not in said and len(said.strip().splitlines()) <= 2


def test_postgres_without_its_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["decks"]) == 2
    assert 'pip install "vocabot[postgres]"' in capsys.readouterr().err
