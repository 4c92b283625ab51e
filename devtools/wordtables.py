"""`python -m devtools.wordtables`: core/wordlists/en/zipf.txt from the installed wordfreq.

The bot reads English word frequencies from that file (core/frequency.py) instead of
loading wordfreq's list (+50 MB in a process). Each line is "word<TAB>n", n the word's
frequency in wordfreq's centibels (its list's bucket), sorted bytewise; only the words a
transcript token can be (core.frequency.is_token) are kept. Run this again after a
wordfreq upgrade: tests/test_word_tables.py fails until the file matches the library.
"""

from __future__ import annotations

from pathlib import Path

from core.frequency import ZIPF_FILE, is_token

TARGET = Path(__file__).resolve().parents[1] / "core" / "wordlists" / ZIPF_FILE
HEADER = "# word<TAB>-centibels, from wordfreq's English list: python -m devtools.wordtables"


def zipf_lines() -> str:
    """The file's text, from the installed wordfreq's English list."""
    from wordfreq import get_frequency_list  # the full list: this tool's process only

    buckets = {
        word: index
        for index, bucket in enumerate(get_frequency_list("en"))
        for word in bucket
        if is_token(word)
    }
    rows = sorted(buckets.items(), key=lambda row: row[0].encode())
    return "\n".join([HEADER, *(f"{word}\t{index}" for word, index in rows)]) + "\n"


def main() -> None:
    text = zipf_lines()
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET}: {text.count(chr(10)) - 1} words, {len(text.encode()) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
