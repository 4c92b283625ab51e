"""What every subcommand shares: the terminal's consoles."""

from __future__ import annotations

from rich.console import Console

out = Console()
err = Console(stderr=True)
