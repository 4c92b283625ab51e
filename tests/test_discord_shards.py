"""Discord sharding: the client `vocabot run` builds runs the shards the settings name.

No gateway is reachable here, so these tests look at the client as built (what it would
IDENTIFY with) and at what its setup hook does, not at a live connection."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord
import pytest
from pydantic import ValidationError

from bot.app import open_app
from bot.discord.client import DiscordAdapter, VocabotDiscord
from core.config import Settings
from tests.conftest import Sim


@asynccontextmanager
async def discord_front(sim: Sim, db: Path, **shards: Any) -> AsyncIterator[DiscordAdapter]:
    settings = Settings(llm_base_url=sim.url, llm_model=sim.config.model, db_path=db, **shards)
    async with open_app(settings) as app:
        yield DiscordAdapter(app, token="discord-token")


async def test_the_client_runs_the_shards_named_in_the_settings(sim: Sim, tmp_path: Path) -> None:
    async with discord_front(
        sim, tmp_path / "d.sqlite3", discord_shard_count=4, discord_shard_ids=[2, 3]
    ) as front:
        client = front.client
        assert isinstance(client, discord.AutoShardedClient)
        assert client.shard_ids == [2, 3] and client.shard_count == 4
        assert isinstance(client, VocabotDiscord), "the same bot, cogs and buttons"


async def test_a_count_alone_runs_every_shard_in_this_process(sim: Sim, tmp_path: Path) -> None:
    async with discord_front(sim, tmp_path / "d.sqlite3", discord_shard_count=2) as front:
        assert isinstance(front.client, discord.AutoShardedClient)
        assert front.client.shard_ids is None and front.client.shard_count == 2


async def test_without_shard_settings_one_unsharded_connection(sim: Sim, tmp_path: Path) -> None:
    async with discord_front(sim, tmp_path / "d.sqlite3") as front:
        assert not isinstance(front.client, discord.AutoShardedClient)
        assert front.client.shard_count is None and front.client.syncs_commands
        await front.client.close()


def recording_sync(synced: list[str]) -> Callable[..., Any]:
    """Stands in for the tree's sync (one PUT to Discord, not reachable here)."""

    async def sync(**_: Any) -> list[Any]:
        synced.append("sync")
        return []

    return sync


@pytest.mark.parametrize(("ids", "syncs"), [([0, 1], True), ([2, 3], False)])
async def test_only_the_process_with_shard_0_syncs_the_commands(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: list[int], syncs: bool
) -> None:
    async with discord_front(
        sim, tmp_path / "d.sqlite3", discord_shard_count=4, discord_shard_ids=ids
    ) as front:
        synced: list[str] = []
        monkeypatch.setattr(front.client.tree, "sync", recording_sync(synced))
        await front.client.setup_hook()
        assert synced == (["sync"] if syncs else [])
        assert front.client.get_cog("VocabCog") is not None, "every process serves commands"


def test_shard_ids_are_read_as_people_write_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0, 1")
    assert Settings().discord_shard_ids == [0, 1]
    monkeypatch.setenv("DISCORD_SHARD_IDS", "[2,3]")
    assert Settings().discord_shard_ids == [2, 3]


@pytest.mark.parametrize(
    ("shards", "problem"),
    [
        ({"discord_shard_ids": [0, 1]}, "needs DISCORD_SHARD_COUNT"),
        ({"discord_shard_ids": [3, 4], "discord_shard_count": 4}, "from 0 to 3"),
        ({"discord_shard_ids": [1, 1], "discord_shard_count": 4}, "different numbers"),
        ({"discord_shard_count": 0}, "greater than or equal to 1"),
    ],
)
def test_shard_settings_that_cannot_work_are_refused(shards: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Settings(**shards)
