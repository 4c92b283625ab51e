"""The install extras: which optional packages a face or a store needs, and one clear
sentence naming the extra when one is missing.

The core install (`pip install vocabot`) runs the console chat and the CLI on SQLite; each
face and the PostgreSQL store is an extra (pyproject.toml). A command checks here before it
imports a face, so a missing package is a one-line message, not an ImportError traceback.
"""

from __future__ import annotations

import importlib.util

# extra -> (what it is for, the modules it brings)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "telegram": ("the Telegram bot", ("telegram",)),
    "discord": ("the Discord bot", ("discord",)),
    "api": ("the HTTP API and the study pages", ("fastapi", "jinja2", "multipart", "websockets")),
    "postgres": ("PostgreSQL (DATABASE_URL) and the job queue", ("psycopg", "procrastinate")),
}


class MissingExtra(Exception):
    """A command needs an extra that is not installed."""

    def __init__(self, extra: str, missing: str) -> None:
        self.extra = extra
        what = EXTRAS[extra][0]
        super().__init__(
            f"{what}: {missing} is not installed; it comes with the {extra!r} extra: "
            f'pip install "vocabot[{extra}]"'
        )


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # a module in sys.modules without a spec (a test's stand-in)
        return True


def require(extra: str) -> None:
    """Raise MissingExtra unless every module of `extra` can be imported."""
    for module in EXTRAS[extra][1]:
        if not installed(module):
            raise MissingExtra(extra, module)
