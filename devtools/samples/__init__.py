"""Bundled sample transcripts (written for vocabot), named `<video id>.<lang>.<ext>`."""

from pathlib import Path

SAMPLES_DIR = Path(__file__).parent
SLEEP_TALK = SAMPLES_DIR / "vocabDemo01.en.srt"  # ~7 min talk on sleep and memory
COFFEE_HOWTO = SAMPLES_DIR / "vocabDemo02.en.vtt"  # ~3 min how-to


def all_samples() -> list[Path]:
    return sorted(p for p in SAMPLES_DIR.iterdir() if p.suffix in (".srt", ".vtt", ".txt"))
