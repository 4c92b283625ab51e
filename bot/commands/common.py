"""What every subcommand shares: the terminal's consoles and the deck options."""

from __future__ import annotations

import argparse

from rich.console import Console

from core import LEARNER_LANGUAGES, LEVELS

out = Console()
err = Console(stderr=True)


def add_deck_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        type=str.lower,
        choices=LEARNER_LANGUAGES,
        metavar="LANG",
        help=f"learner language for meanings: {', '.join(LEARNER_LANGUAGES)} (default: ko)",
    )
    parser.add_argument(
        "--level",
        type=str.upper,
        choices=LEVELS,
        metavar="LEVEL",
        help="CEFR level A1..C2 (default: B1)",
    )
    parser.add_argument(
        "--known", help="comma-separated words you already know (remembered for next time)"
    )


def add_speedup_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--speedup", type=float, default=1.0, help="simulated server speed-up (default 1)"
    )


def add_simulated_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--simulated",
        action="store_true",
        help="without LLM_BASE_URL, answer with the bundled simulator (placeholder meanings, "
        "labelled on every deck); same as LLM_BASE_URL=sim",
    )
