"""`python -m bot …` as a real child process, with everything it prints kept for inspection.

Used by the tests that grep a whole process's output (no secret in any line) and by the
HTTP abuse benchmark (which reads the server's memory from /proc).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

READY = "Uvicorn running on"  # what `vocabot serve-api` logs once it accepts connections


@dataclass
class Running:
    """A running `python -m bot …` and the lines it wrote to stdout and stderr so far."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def memory(self, field: str = "VmRSS") -> int:
        """Bytes of resident memory now (VmRSS) or at its peak so far (VmHWM); Linux only."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith(field))
        return int(kib) * 1024

    async def wait_for_line(self, fragment: str, limit: float = 30.0) -> str:
        """The first line containing `fragment`, once it is written."""

        async def found() -> str:
            async with self.changed:
                while True:
                    line = next((line for line in self.lines if fragment in line), None)
                    if line is not None:
                        return line
                    if self.process.returncode is not None:
                        raise RuntimeError(f"exited before {fragment!r}:\n{self.text}")
                    await self.changed.wait()

        return await asyncio.wait_for(found(), limit)

    async def exited(self, limit: float = 30.0) -> int:
        """Wait for the process to end on its own; its exit code."""
        code = await asyncio.wait_for(self.process.wait(), limit)
        await asyncio.gather(*self.readers)
        return code

    async def stop(self, limit: float = 30.0) -> int:
        """SIGTERM (a graceful shutdown), then its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.exited(limit)

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            async with self.changed:
                self.lines.append(raw.decode("utf-8", "replace"))
                self.changed.notify_all()
        async with self.changed:
            self.changed.notify_all()


@asynccontextmanager
async def vocabot(
    args: list[str], env: Mapping[str, str], cwd: Path, *, pythonpath: str | None = None
) -> AsyncIterator[Running]:
    """Run `python -m bot ARGS` with `env` added to ours; stopped (SIGTERM) on exit.

    `pythonpath` runs another checkout of the code (e.g. an older commit, for before/after).
    """
    extra = dict(env)
    if pythonpath:
        extra["PYTHONPATH"] = pythonpath
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**os.environ, **extra},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    running = Running(process)
    running.readers = [
        asyncio.create_task(running._read(process.stdout)),
        asyncio.create_task(running._read(process.stderr)),
    ]
    try:
        yield running
    finally:
        await running.stop()


def free_port() -> int:
    """A loopback port nobody listens on (at the moment of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
