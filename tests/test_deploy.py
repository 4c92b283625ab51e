"""deploy/compose.yaml names only settings and commands that vocabot has.

No container engine runs here, so the file is never started in CI; this catches the
drift that would make it fail when it is: a misspelt variable is silently ignored by
Settings, and a wrong command only fails inside the container. Where the compose client
is installed (it needs no engine), the file is validated by `compose config` too."""

import argparse
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import make_parser
from core.config import Settings

COMPOSE = Path(__file__).parent.parent / "deploy" / "compose.yaml"
# Read by other parts: DATABASE_URL by the PostgreSQL store, FORWARDED_ALLOW_IPS by uvicorn.
NOT_SETTINGS = {"DATABASE_URL", "FORWARDED_ALLOW_IPS"}


def vocabot_services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services: dict[str, dict[str, Any]] = compose["services"]
    return {name: s for name, s in services.items() if s.get("image") == "vocabot:latest"}


def test_every_vocabot_variable_in_the_compose_file_is_a_setting() -> None:
    services = vocabot_services()
    assert {"telegram", "discord-0", "worker", "api"} <= set(services)
    settings = {name.upper() for name in Settings.model_fields}
    for name, service in services.items():
        unknown = set(service["environment"]) - settings - NOT_SETTINGS
        assert not unknown, f"{name}: {sorted(unknown)} are not vocabot settings"


def test_every_vocabot_service_runs_a_vocabot_command() -> None:
    parser = make_parser()
    subcommands = next(
        set(action.choices)
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    for name, service in vocabot_services().items():
        command = service["command"][0]
        assert command in subcommands, (name, command)


def test_the_webhook_fronts_and_shards_are_configured_as_settings_accept() -> None:
    services = vocabot_services()
    webhook = services["telegram"]["environment"]
    assert webhook["TELEGRAM_WEBHOOK_URL"].startswith("https://")
    assert webhook["TELEGRAM_WEBHOOK_LISTEN"] == "0.0.0.0"
    shards = [
        Settings(
            discord_shard_count=s["environment"]["DISCORD_SHARD_COUNT"],
            discord_shard_ids=s["environment"]["DISCORD_SHARD_IDS"],
        )
        for name, s in services.items()
        if name.startswith("discord-")
    ]
    count = {s.discord_shard_count for s in shards}
    covered = sorted(i for s in shards for i in s.discord_shard_ids or [])
    assert len(count) == 1 and covered == list(range(count.pop() or 0)), "each shard once"


def test_compose_itself_accepts_the_file() -> None:
    client = shutil.which("docker-compose")
    if client is None:
        pytest.skip("no docker-compose client on this machine")
    required = {  # deploy/env.example leaves these to the operator; compose refuses without
        "PUBLIC_HOST": "bot.example.com",
        "POSTGRES_PASSWORD": "x",
        "TELEGRAM_BOT_TOKEN": "1:x",
        "TELEGRAM_WEBHOOK_SECRET": "s",
        "DISCORD_BOT_TOKEN": "d",
    }
    checked = subprocess.run(
        [client, "-f", str(COMPOSE), "config", "--quiet"],
        env={"PATH": os.environ.get("PATH", ""), **required},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr


CADDYFILE = COMPOSE.parent / "Caddyfile"
OPS_PATHS = ("/metrics", "/healthz", "/readyz")


def test_the_load_balancer_keeps_metrics_and_health_off_the_internet() -> None:
    """The API serves /metrics, /healthz and /readyz next to its routes (for Prometheus and
    the orchestrator, on the internal network); the public site must not pass them on."""
    site = CADDYFILE.read_text(encoding="utf-8")
    matcher = next(
        (line.split() for line in site.splitlines() if line.strip().startswith("@ops ")), None
    )
    assert matcher is not None, "no @ops matcher in the Caddyfile"
    assert set(OPS_PATHS) <= set(matcher), matcher
    refusal = site[site.index("handle @ops {") :]
    assert refusal.index("respond 404") < refusal.index("}"), "a handle of its own answers 404"
    catch_all = site.index("\thandle {")
    assert site.index("handle @ops {") < catch_all, "before the catch-all handle proxies it"
    published = {
        port
        for service in yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"].values()
        for port in service.get("ports", [])
    }
    assert published <= {"80:80", "443:443"}, "only the load balancer is published"
