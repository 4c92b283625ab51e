"""The selection report: would a teacher keep these cards? Measured on labelled transcripts.

    python -m bench.selection            # the table, on the bundled labelled transcripts
    python -m bench.selection --write    # also into docs/selection.md (between its markers)
    python -m bench.selection --json     # the numbers, for a script
    python -m bench.selection DIR        # other labelled transcripts: X.srt + X.labels.tsv

Each transcript `NAME.<lang>.<ext>` has a teacher's judgement beside it, `NAME.labels.tsv`:
for every word of the video either the level at which a Korean learner learns it, or
"drop:why" (a name, a number, a loanword, a mishearing, a piece of a phrase, ...). A word
card is kept for a learner at level L when its word's level is L, or one or two above
(anything easier the learner knows; anything harder can wait). For each transcript and
level the deck is built as a chat builds it (local selection, the one LLM call per chunk
against the bundled simulated server, ranking) for a Korean learner, and the report gives:
- keep@30: the share of the first word cards the learner gets (DECK_SIZE 30, with
  phrases first: core.models.shown_counts) a teacher would keep; keep: of all word cards;
- recall: the share of the words the teacher would give this learner that the deck has;
  kept from before: the share of the cards the previous release's frequency line gave
  that a teacher kept and that are still in the deck (the issue's "still there");
- words, phrases: the deck's size; unlabelled: word cards no label speaks of (counted
  as not kept);
- shared@30, shared: the share of the first cards (of all cards) whose sentence holds two
  other cards or more among them; max/sentence: the most cards on one sentence;
- tokens/card: prompt and completion tokens per card (what the real server would bill).
The meanings are the simulator's placeholders: the report judges which words, not how
they are explained.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import httpx

from bench.report import replace_between
from core.grading import LEVEL_INDEX
from core.llm import LLMClient
from core.models import DEFAULT_DECK_SIZE, Deck, Transcript, shown_counts
from core.pipeline import DeckRequest, Pipeline
from core.transcripts import DirectorySource, load_transcript_file
from core.words import INTERJECTIONS, headword, lemma_of, tokens, zipf
from devtools.samples import SAMPLES_DIR
from devtools.simllm import SimConfig, SimServer

DATA = Path(__file__).parent / "selection_data"
LEVELS = ("A2", "B1", "B2")
DOC = Path(__file__).resolve().parents[1] / "docs" / "selection.md"
START, END = "<!-- selection:start -->", "<!-- selection:end -->"
# How far above the learner a word may be and still be a card a teacher gives now.
STRETCH = 2
SUFFIXES = (".srt", ".vtt", ".txt")


@dataclass(frozen=True)
class Labels:
    levels: dict[str, str]  # word -> level at which a Korean learner learns it
    dropped: dict[str, str]  # word -> why it is no card for anyone

    def good(self, level: str) -> set[str]:
        return {w for w, lv in self.levels.items() if self.fits(lv, level)}

    @staticmethod
    def fits(word_level: str, level: str) -> bool:
        gap = LEVEL_INDEX[word_level] - LEVEL_INDEX[level]
        return 0 <= gap <= STRETCH

    def label(self, word: str) -> str | None:
        """The teacher's verdict on `word`: its own line, else the line of a word of the
        same family (a card "wire" for "wired", "freeze" for "frozen")."""
        for key in (word, *self._family.get(lemma_of(word), ())):
            verdict = self.levels.get(key) or self.dropped.get(key)
            if verdict:
                return verdict
        return None

    @cached_property
    def _family(self) -> dict[str, list[str]]:
        family: dict[str, list[str]] = {}
        for key in sorted({*self.levels, *self.dropped}):
            family.setdefault(lemma_of(key), []).append(key)
        return family

    def kept(self, word: str, level: str) -> bool:
        word_level = self.label(word)
        return word_level in LEVEL_INDEX and self.fits(word_level, level)


def read_labels(path: Path) -> Labels:
    levels: dict[str, str] = {}
    dropped: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, verdict, *_ = [*line.split("\t"), "", ""]
        word, verdict = word.strip().lower(), verdict.strip()
        if " " in word:
            continue  # a phrase: the report judges word cards
        if verdict.startswith("drop"):
            dropped[word] = verdict.partition(":")[2] or "drop"
            levels.pop(word, None)
        elif verdict.upper() in LEVEL_INDEX and word not in dropped:
            levels[word] = verdict.upper()
    return Labels(levels, dropped)


@dataclass
class Row:
    transcript: str
    level: str
    words: int
    phrases: int
    shown: int
    keep_first: float
    keep_all: float
    recall: float
    unlabelled: list[str] = field(default_factory=list)
    shared: float = 0.0
    shared_first: float = 0.0
    max_per_sentence: int = 0
    tokens_per_card: float = 0.0
    not_kept_first: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    kept_before: float = 1.0
    before_first: float = 0.0  # the previous release's deck: keep@30
    before_all: float = 0.0  # and keep (all)


def labelled(folder: Path) -> list[tuple[Path, Path]]:
    """(transcript, labels) pairs in `folder`."""
    out = []
    for labels in sorted(folder.glob("*.labels.tsv")):
        name = labels.name.removesuffix(".labels.tsv")
        found = [p for p in folder.glob(f"{name}.*") if p.suffix in SUFFIXES]
        if not found:
            found = [p for p in SAMPLES_DIR.glob(f"{name}.*") if p.suffix in SUFFIXES]
        if found:
            out.append((found[0], labels))
    return out


# The previous release's rule, for the "still there" figure: a word was a card when its
# Zipf frequency was at most this at the learner's level (and at least 1.5), each family
# once, names (never lowercase, capitalised mid-sentence), numbers and fillers left out.
BEFORE_MAX_ZIPF = {"A1": 5.8, "A2": 5.3, "B1": 4.8, "B2": 4.3, "C1": 3.8, "C2": 3.3}
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion trillion".split()
)


def frequency_line(transcript: Transcript, level: str) -> list[str]:
    """The cards the previous release's selection gave (before graded lists)."""
    texts = [s.text for s in transcript.segments]
    lowercase = {t for text in texts for t in tokens(text) if t.islower()}
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        for token in tokens(text):
            lower = token.lower().replace("’", "'")
            if len(lower) < 3 or "'" in lower or (not token.islower() and lower not in lowercase):
                continue
            if all(p in _NUMBER_WORDS for p in lower.split("-")) or lower in INTERJECTIONS:
                continue
            family = lemma_of(lower)
            if family in seen:
                continue
            seen.add(family)
            if 1.5 <= (zipf(family) or zipf(lower)) <= BEFORE_MAX_ZIPF[level]:
                out.append(headword(lower))
    return out


def judge(
    deck: Deck, labels: Labels, name: str, level: str, before: list[str] | None = None
) -> Row:
    words = [w.lemma for w in deck.words]
    shown, _ = shown_counts(len(deck.words), len(deck.phrases), DEFAULT_DECK_SIZE)
    first = words[:shown]
    # Recall by word family: "evolving" is in the deck when "evolve" is.
    good = {lemma_of(w) for w in labels.good(level)}
    present = {lemma_of(w) for w in words} | set(words)
    kept_first = [w for w in first if labels.kept(w, level)]
    kept_all = [w for w in words if labels.kept(w, level)]
    sentences = Counter([w.sentence for w in deck.words] + [p.sentence for p in deck.phrases])
    cards = len(deck.words) + len(deck.phrases)
    crowded = sum(n for n in sentences.values() if n >= 3)
    _, shown_phrases = shown_counts(len(deck.words), len(deck.phrases), DEFAULT_DECK_SIZE)
    firsts = Counter(
        [w.sentence for w in deck.words[:shown]]
        + [p.sentence for p in deck.phrases[:shown_phrases]]
    )
    crowded_first = sum(n for n in firsts.values() if n >= 3)
    spent = deck.stats.prompt_tokens + deck.stats.completion_tokens
    good_before = {lemma_of(w) for w in before or () if labels.kept(w, level)}
    return Row(
        transcript=name,
        level=level,
        words=len(words),
        phrases=len(deck.phrases),
        shown=shown,
        keep_first=len(kept_first) / len(first) if first else 1.0,
        keep_all=len(kept_all) / len(words) if words else 1.0,
        recall=len(good & present) / len(good) if good else 1.0,
        unlabelled=[w for w in words if labels.label(w) is None],
        shared=crowded / cards if cards else 0.0,
        shared_first=crowded_first / sum(firsts.values()) if firsts else 0.0,
        max_per_sentence=max(sentences.values(), default=0),
        tokens_per_card=spent / cards if cards else 0.0,
        not_kept_first=[
            f"{w} ({labels.label(w) or '?'})" for w in first if not labels.kept(w, level)
        ],
        missed=sorted(good - present),
        kept_before=len(good_before & present) / len(good_before) if good_before else 1.0,
        before_first=_share_kept(labels, (before or [])[:DEFAULT_DECK_SIZE], level),
        before_all=_share_kept(labels, before or [], level),
    )


def _share_kept(labels: Labels, words: list[str], level: str) -> float:
    return sum(labels.kept(w, level) for w in words) / len(words) if words else 0.0


async def evaluate(folder: Path = DATA, levels: tuple[str, ...] = LEVELS) -> list[Row]:
    """Build every labelled transcript's deck at every level and judge it."""
    rows = []
    server = SimServer(SimConfig(speedup=1000.0))
    async with server.serve() as url, httpx.AsyncClient() as http:
        llm = LLMClient(http, base_url=url, model=server.config.model, timeout=30)
        pipeline = Pipeline(source=DirectorySource(folder), llm=llm)
        for transcript_path, labels_path in labelled(folder):
            labels = read_labels(labels_path)
            transcript = load_transcript_file(transcript_path)
            name = transcript_path.name.split(".")[0]
            for level in levels:
                request = DeckRequest(
                    video_id=None, learner_language="ko", level=level, transcript=transcript
                )
                deck = await pipeline.build(request)
                before = frequency_line(transcript, level)
                rows.append(judge(deck, labels, name, level, before))
    return rows


def totals(rows: list[Row]) -> dict[str, float]:
    """Card-weighted keep-rates and recall over every deck."""
    first = sum(r.shown for r in rows)
    words = sum(r.words for r in rows)
    return {
        "keep_first": sum(r.keep_first * r.shown for r in rows) / first if first else 1.0,
        "keep_all": sum(r.keep_all * r.words for r in rows) / words if words else 1.0,
        "recall": sum(r.recall for r in rows) / len(rows) if rows else 1.0,
        "kept_before": sum(r.kept_before for r in rows) / len(rows) if rows else 1.0,
        "before_first": sum(r.before_first for r in rows) / len(rows) if rows else 0.0,
        "before_all": sum(r.before_all for r in rows) / len(rows) if rows else 0.0,
    }


def table(rows: list[Row]) -> str:
    head = (
        "| transcript | level | keep@30 | keep (all) | recall | kept from before | words | "
        "phrases | unlabelled | shared@30 | shared | max/sentence | tokens/card | "
        "before: keep@30 | before: keep (all) |\n"
        "| --- | --- |" + " ---: |" * 13 + "\n"
    )
    lines = [
        f"| {r.transcript} | {r.level} | {r.keep_first:.0%} | {r.keep_all:.0%} | "
        f"{r.recall:.0%} | {r.kept_before:.0%} | {r.words} | {r.phrases} | "
        f"{len(r.unlabelled)} | {r.shared_first:.0%} | {r.shared:.0%} | "
        f"{r.max_per_sentence} | {r.tokens_per_card:.0f} | {r.before_first:.0%} | "
        f"{r.before_all:.0%} |"
        for r in rows
    ]
    t = totals(rows)
    lines.append(
        f"| **all** | | **{t['keep_first']:.0%}** | **{t['keep_all']:.0%}** | "
        f"**{t['recall']:.0%}** | **{t['kept_before']:.0%}** | | | | | | | | "
        f"**{t['before_first']:.0%}** | **{t['before_all']:.0%}** |"
    )
    return head + "\n".join(lines) + "\n"


def details(rows: list[Row]) -> str:
    out = []
    for r in rows:
        out.append(f"- {r.transcript} {r.level}: not kept in the first {r.shown}: "
                   f"{', '.join(r.not_kept_first) or 'none'}; missed: "
                   f"{', '.join(r.missed) or 'none'}")  # fmt: skip
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.selection", description=__doc__)
    parser.add_argument("folder", nargs="?", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--write", action="store_true", help=f"write the table into {DOC}")
    parser.add_argument("--details", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    rows = asyncio.run(evaluate(args.folder))
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "totals": totals(rows)}, indent=1))
        return 0
    print(table(rows))
    if args.details:
        print(details(rows))
    if args.write:
        replace_between(DOC, START, END, table(rows))
        print(f"written into {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
