"""`python -m bench.http_abuse`: what abusive HTTP clients cost `vocabot serve-api` in memory.

Each scenario runs against a fresh `vocabot serve-api` child process and reads its resident
memory (VmRSS) before and after, and its peak (VmHWM) at the end:

- one unauthenticated 100 MB POST /v1/jobs (with a Content-Length),
- one unauthenticated 200 MB chunked POST /v1/jobs (no length), and the same with a key,
- 5,000 requests each with a new random key (a per-address failure limit applies; the
  `unlimited` row raises it out of the way, to show what validate-first alone does),
- 5,000 requests with one valid key (rate limit raised out of the way).

`--code DIR` runs the server from another checkout (e.g. `git archive` of an older commit),
for before/after numbers with the same client. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from core.api_keys import new_api_key
from devtools.processes import READY, Running, free_port, vocabot
from devtools.simllm import SimConfig, SimServer
from storage.sqlite import open_store

MB = 1024 * 1024
CHUNK = 64 * 1024
KEYS = 5_000
WARM_UP = 200  # requests of the same kind first, so one-off allocations are not counted
IN_FLIGHT = 8


@dataclass
class Row:
    scenario: str
    rss_before_mb: float
    rss_after_mb: float
    peak_mb: float  # the highest RSS of the process so far (VmHWM), at the end
    statuses: dict[str, int]

    @property
    def growth_mb(self) -> float:
        return self.rss_after_mb - self.rss_before_mb


@dataclass
class Server:
    running: Running
    client: httpx.AsyncClient
    key: str


Scenario = Callable[[Server], Awaitable[Counter[str]]]


async def chunks(total: int) -> AsyncIterator[bytes]:
    for _ in range(total // CHUNK):
        yield b"{" * CHUNK


async def one_post(server: Server, body: bytes | AsyncIterator[bytes], *, key: bool) -> str:
    headers = {"Authorization": f"Bearer {server.key}"} if key else {}
    try:
        response = await server.client.post("/v1/jobs", content=body, headers=headers)
    except httpx.TransportError as exc:  # a server that hangs up mid-body
        return type(exc).__name__
    return str(response.status_code)


async def many(server: Server, count: int, headers: Callable[[], dict[str, str]]) -> Counter[str]:
    statuses: Counter[str] = Counter()
    queue = iter(range(count))

    async def worker() -> None:
        for _ in queue:
            response = await server.client.get("/v1/decks", headers=headers())
            statuses[str(response.status_code)] += 1

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return statuses


def random_key() -> dict[str, str]:
    return {"Authorization": f"Bearer {new_api_key()[0]}"}


async def big_post(server: Server) -> Counter[str]:
    return Counter([await one_post(server, b"{" * (100 * MB), key=False)])


async def chunked_post(server: Server) -> Counter[str]:
    return Counter([await one_post(server, chunks(200 * MB), key=False)])


async def chunked_post_with_key(server: Server) -> Counter[str]:
    return Counter([await one_post(server, chunks(200 * MB), key=True)])


async def bad_keys(server: Server, count: int = KEYS) -> Counter[str]:
    return await many(server, count, random_key)


async def good_key(server: Server, count: int = KEYS) -> Counter[str]:
    return await many(server, count, lambda: {"Authorization": f"Bearer {server.key}"})


async def warm_up_bad(server: Server) -> None:
    await bad_keys(server, WARM_UP)


async def warm_up_good(server: Server) -> None:
    await good_key(server, WARM_UP)


async def measure(
    name: str,
    scenario: Scenario,
    *,
    sim_url: str,
    workdir: Path,
    code: str | None,
    env: dict[str, str] | None = None,
    warm_up: Callable[[Server], Awaitable[None]] | None = None,
) -> Row:
    db = workdir / f"{name.replace(' ', '-')}.sqlite3"
    async with open_store(db) as store:
        user = await store.get_or_create_user("api", "bench", learner_language="ko", level="B1")
        key, digest = new_api_key()
        await store.add_api_key(user.id, digest, "bench")
    port = free_port()
    # INFO: the server says when it is ready; its log is kept by this process, not the server.
    server_env = {"LLM_BASE_URL": sim_url, "DB_PATH": str(db), "LOG_LEVEL": "INFO", **(env or {})}
    args = ["serve-api", "--port", str(port)]
    async with vocabot(args, server_env, workdir, pythonpath=code) as r:
        await r.wait_for_line(READY)
        timeout = httpx.Timeout(120.0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=timeout) as c:
            server = Server(r, c, key)
            if warm_up is not None:
                await warm_up(server)
            before = r.memory()
            statuses = await scenario(server)
            after, peak = r.memory(), r.memory("VmHWM")
    return Row(name, before / MB, after / MB, peak / MB, dict(statuses))


async def warm_up_posts(server: Server) -> None:
    for key in (False, True):
        for _ in range(3):
            await one_post(server, b'{"url": "not a video link"}', key=key)  # 401 or 422


async def run(code: str | None) -> list[Row]:
    unlimited = {"API_AUTH_FAILURES_PER_MINUTE": "100000000", "API_RATE_PER_MINUTE": "100000000"}
    plan: list[tuple[str, Scenario, Callable[[Server], Awaitable[None]], dict[str, str]]] = [
        ("100 MB POST, no key", big_post, warm_up_posts, {}),
        ("200 MB chunked POST, no key", chunked_post, warm_up_posts, {}),
        ("200 MB chunked POST, key", chunked_post_with_key, warm_up_posts, {}),
        ("5,000 random bad keys", bad_keys, warm_up_bad, {}),
        ("5,000 random bad keys, unlimited", bad_keys, warm_up_bad, unlimited),
        ("5,000 valid-key requests", good_key, warm_up_good, unlimited),
    ]
    sim = SimServer(SimConfig(speedup=50))
    with tempfile.TemporaryDirectory() as tmp:
        async with sim.serve() as sim_url:
            return [
                await measure(
                    name, scenario, sim_url=sim_url, workdir=Path(tmp), code=code, env=env,
                    warm_up=warm_up,
                )
                for name, scenario, warm_up, env in plan
            ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--code", help="run the server from this checkout (PYTHONPATH)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = asyncio.run(run(args.code))
    if args.json:
        print(json.dumps([asdict(r) | {"growth_mb": r.growth_mb} for r in rows], indent=2))
        return
    print(f"{'scenario':34} {'RSS before':>10} {'after':>8} {'growth':>9} {'peak':>8}  statuses")
    for r in rows:
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(r.statuses.items()))
        print(
            f"{r.scenario:34} {r.rss_before_mb:8.1f}MB {r.rss_after_mb:6.1f}MB "
            f"{r.growth_mb:+7.2f}MB {r.peak_mb:6.1f}MB  {statuses}"
        )


if __name__ == "__main__":
    main()
