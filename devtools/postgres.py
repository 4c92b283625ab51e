"""A throwaway PostgreSQL server: initdb + pg_ctl in a folder of its own, for tests and CI.

    python -m devtools.postgres start DIR   # prints the server's postgresql:// URL
    python -m devtools.postgres stop DIR

It uses this machine's PostgreSQL binaries (on PATH, or Debian's /usr/lib/postgresql/N/bin),
listens on a Unix socket in DIR only (no TCP port to collide with), trusts local users and
trades durability for speed (fsync off): it is for data that dies with the test run. As
root it runs as the `postgres` user, since initdb refuses to run as root.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

SUPERUSER = "vocabot"
OWNER = "postgres"  # who runs the server when we are root
DEBIAN_BINARIES = Path("/usr/lib/postgresql")


class ClusterUnavailable(RuntimeError):
    """No PostgreSQL server can be started here (the reason is the message)."""


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        folder = Path(found).resolve().parent
        if (folder / "pg_ctl").exists():
            return folder
    versions = sorted(
        DEBIAN_BINARIES.glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def url_of(folder: Path, database: str = "postgres") -> str:
    """The URL of the server whose socket is in `folder`."""
    return f"postgresql://{SUPERUSER}@/{database}?host={quote(str(folder), safe='/')}"


def start(folder: Path) -> str:
    """Create a cluster in `folder` (new or empty), start it, and return its URL."""
    tools = binaries()
    if tools is None:
        raise ClusterUnavailable(
            "PostgreSQL's server binaries (initdb, pg_ctl) are not installed "
            "(Debian: apt-get install postgresql)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    _hand_over(folder)
    data = folder / "data"
    _run(
        tools / "initdb",
        *("-D", str(data), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"),
        *("--no-sync", "--no-instructions"),
        cwd=folder,
    )
    settings = {
        "listen_addresses": "",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }
    options = " ".join(
        ["-k", shlex.quote(str(folder))]
        + [f"-c {name}={shlex.quote(value)}" for name, value in settings.items()]
    )
    _run(
        tools / "pg_ctl",
        *("-D", str(data), "-l", str(folder / "server.log"), "-o", options),
        *("-w", "-t", "60", "start"),
        cwd=folder,
    )
    return url_of(folder)


def stop(folder: Path) -> None:
    """Stop the server of `folder` at once (its data is thrown away anyway)."""
    tools = binaries()
    data = folder / "data"
    if tools is None or not (data / "postmaster.pid").exists():
        return
    _run(tools / "pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop", cwd=folder)


def _hand_over(folder: Path) -> None:
    """As root, give `folder` to the user the server runs as."""
    if os.geteuid() != 0:
        return
    try:
        owner = pwd.getpwnam(OWNER)
    except KeyError:
        raise ClusterUnavailable(
            f"running as root, and there is no {OWNER!r} user to run PostgreSQL as"
        ) from None
    os.chown(folder, owner.pw_uid, owner.pw_gid)


def _run(program: Path, *args: str, cwd: Path) -> None:
    command = [str(program), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", OWNER, "--", *command]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log = cwd / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ClusterUnavailable(
            f"{program.name} failed ({done.returncode}): {done.stderr.strip()}\n{tail}".strip()
        )


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m devtools.postgres start|stop DIR", file=sys.stderr)
        return 2
    folder = Path(argv[1]).resolve()
    try:
        if argv[0] == "start":
            print(start(folder))
        else:
            stop(folder)
    except ClusterUnavailable as exc:
        print(f"PostgreSQL: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
