"""Recount the meaning-length calibration with Qwen's real tokenizer (not run by the bench).

    pip install dashscope tiktoken   # dashscope ships Qwen's BPE file (qwen.tiktoken)
    python -m bench.calibration.count_tokens

Prints, per learner language, the token count of each gloss in glosses.tsv (the tuples in
devtools/answers.py MEANING_TOKENS) and the letters per token of each script (the table
in devtools/answers.py _LETTERS_PER_TOKEN). Qwen2.5 uses the same 151,643-token BPE
vocabulary as the Qwen tokenizer dashscope ships.
"""

from __future__ import annotations

import csv
import re
import statistics
from pathlib import Path

GLOSSES = Path(__file__).with_name("glosses.tsv")
LANGUAGES = ("ko", "ja", "zh", "es", "ru")


def main() -> None:
    from dashscope.tokenizers import get_tokenizer  # optional: only for recalibration

    tokenizer = get_tokenizer("qwen-7b-chat")
    with GLOSSES.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for lang in LANGUAGES:
        counts = [len(tokenizer.encode(row[lang])) for row in rows]
        letters = [re.sub(r"[\W\d_]", "", row[lang]) for row in rows]
        per_token = sum(map(len, letters)) / sum(len(tokenizer.encode(x)) for x in letters)
        print(
            f"{lang}: median {statistics.median(counts):g}, mean {statistics.mean(counts):.2f}, "
            f"max {max(counts)}, letters/token {per_token:.2f}\n    {tuple(counts)}"
        )


if __name__ == "__main__":
    main()
