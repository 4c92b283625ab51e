"""`python -m bot` and the `vocabot` console script."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
