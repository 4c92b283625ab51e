"""`vocabot build`, `demo` and `export` on the job runner, as a user runs them: real processes,
one database, the simulator over HTTP counting every LLM call it answers."""

import csv
import io
import sqlite3
import zipfile
from pathlib import Path

import pytest

from devtools.processes import vocabot
from devtools.samples import COFFEE_HOWTO, SAMPLES_DIR
from tests.conftest import Sim

pytestmark = pytest.mark.slow  # `vocabot` as a process, 3-10 s a test


def env_for(sim: Sim, tmp_path: Path) -> dict[str, str]:
    """A real server's settings; the bundled samples stand in for YouTube."""
    return {
        "LLM_BASE_URL": sim.url,
        "DB_PATH": str(tmp_path / "cli.sqlite3"),
        "TRANSCRIPTS_DIR": str(SAMPLES_DIR),
    }


async def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    async with vocabot(args, env, cwd) as process:
        code = await process.exited(60)
    assert code == 0, process.text
    return process.text


async def test_building_a_video_twice_costs_nothing_the_second_time(
    sim: Sim, tmp_path: Path
) -> None:
    env = env_for(sim, tmp_path)
    first = await run(["build", "https://youtu.be/vocabDemo02"], env, tmp_path)
    calls = sim.ok_calls()
    assert calls > 0 and "barista" in first
    second = await run(["build", "vocabDemo02"], env, tmp_path)
    assert sim.ok_calls() == calls, "served from the cache: 0 LLM calls"
    assert "from the cache: 0 LLM calls" in second and "barista" in second
    again = await run(["build", "vocabDemo02", "--no-cache"], env, tmp_path)
    assert sim.ok_calls() > calls and "from the cache" not in again, "--no-cache rebuilds"
    with sqlite3.connect(tmp_path / "cli.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM decks").fetchone() == (1,), "one deck, saved"


async def test_a_subtitle_file_twice_is_one_build(sim: Sim, tmp_path: Path) -> None:
    env = env_for(sim, tmp_path)
    await run(["build", str(COFFEE_HOWTO)], env, tmp_path)
    calls = sim.ok_calls()
    await run(["build", str(COFFEE_HOWTO), "--json"], env, tmp_path)
    assert sim.ok_calls() == calls


async def test_build_writes_an_anki_package_and_export_defaults_to_the_local_learner(
    sim: Sim, tmp_path: Path
) -> None:
    env = env_for(sim, tmp_path)
    await run(["build", "vocabDemo02", "-o", str(tmp_path / "x.apkg")], env, tmp_path)
    with zipfile.ZipFile(tmp_path / "x.apkg") as package:
        assert "collection.anki2" in package.namelist()
        (tmp_path / "collection.anki2").write_bytes(package.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "collection.anki2") as anki:
        notes = anki.execute("SELECT flds FROM notes").fetchall()
    assert len(notes) > 10 and any(row[0].startswith("coarse\x1f") for row in notes)

    text = await run(["export", "--format", "csv", "--out", "mine.csv"], env, tmp_path)
    assert "written to mine.csv" in text
    rows = list(csv.reader(io.StringIO((tmp_path / "mine.csv").read_text(encoding="utf-8"))))
    assert len(rows) - 1 == len(notes), "the deck `build` made, for the same learner"


async def test_demo_saves_its_deck_for_the_local_learner(tmp_path: Path) -> None:
    env = {"DB_PATH": str(tmp_path / "demo.sqlite3")}
    await run(["demo", "--speedup", "200"], env, tmp_path)
    text = await run(["export", "--format", "csv", "--out", "demo.csv"], env, tmp_path)
    assert "1 deck(s)" in text and (tmp_path / "demo.csv").stat().st_size > 1000


async def test_a_bad_output_name_is_refused_before_any_work(sim: Sim, tmp_path: Path) -> None:
    async with vocabot(
        ["build", "vocabDemo02", "-o", "deck.pdf"], env_for(sim, tmp_path), tmp_path
    ) as p:
        assert await p.exited(60) == 1
    assert "-o takes a .apkg or .csv" in p.text and sim.ok_calls() == 0
