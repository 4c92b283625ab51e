"""The bench's own arithmetic: floors, spreads, the lecture generator, the README section."""

import pytest

from bench.lecture import lecture_srt
from bench.one_video import floors
from bench.suite import spread
from core.transcripts import parse_srt

CONFIG = {"prefill_rate": 1000.0, "t_overhead": 0.04, "t0": 0.01, "grammar_token_s": 0.001}


def call(prompt: int, cached: int, output: int, constrained: bool = True) -> dict[str, object]:
    return {
        "prompt_tokens": prompt,
        "cached_tokens": cached,
        "completion_tokens": output,
        "constrained": constrained,
    }


def test_the_floor_is_the_longer_of_all_prefill_and_the_longest_call_alone() -> None:
    # decode-bound: one call's own prefill (0.5 s) + t_o + 100 tokens at t0 + grammar
    decode_bound = floors([call(600, 100, 101), call(600, 600, 2)], CONFIG, local=0.1)
    assert decode_bound["floor_s"] == pytest.approx(0.1 + 0.5 + 0.04 + 100 * 0.011)
    # prefill-bound: 3,000 uncached tokens in all take 3 s, more than any call alone
    prefill_bound = floors([call(1000, 0, 11, False)] * 3, CONFIG, local=0.1)
    assert prefill_bound["floor_s"] == pytest.approx(0.1 + 3.0)
    # the old floor put all prefill in series before the longest decode
    two = floors([call(600, 100, 51, False), call(900, 0, 2, False)], CONFIG, local=0.1)
    assert two["floor_loose_s"] == pytest.approx(0.1 + 1.4 + 0.04 + 50 * 0.01)
    assert two["floor_s"] == pytest.approx(0.1 + 1.4)


def test_spread_is_median_min_max_of_every_number() -> None:
    runs = [{"wall_s": 3.0, "calls": 14, "ok": True}, {"wall_s": 1.0, "calls": 14, "ok": True},
            {"wall_s": 2.0, "calls": 14, "ok": True}]  # fmt: skip
    assert spread(runs) == {
        "median": {"wall_s": 2.0, "calls": 14},
        "min": {"wall_s": 1.0, "calls": 14},
        "max": {"wall_s": 3.0, "calls": 14},
    }


def test_a_lecture_is_as_long_as_asked_and_the_same_every_time() -> None:
    twenty = parse_srt(lecture_srt(20))
    assert twenty[-1].end == pytest.approx(20 * 60, abs=5)
    assert lecture_srt(20) == lecture_srt(20)
    five = {w.lower() for s in parse_srt(lecture_srt(5)) for w in s.text.split()}
    later = {w.lower() for s in twenty[len(twenty) // 2 :] for w in s.text.split()}
    assert len(later - five) > 200, "a long lecture keeps bringing new words"


def test_the_first_page_table_says_whether_the_goal_was_met() -> None:
    from bench import first_page

    def result(first: float, wall: float) -> dict[str, object]:
        runs = [{"first_page_s": first, "wall_s": wall, "first_page_cards": 3}] * 3
        return {"runs": runs, **spread(runs)}

    machine = {"commit": "abc", "cpus": 2}
    report = {"when": "2026-12-07T00:00:00", "runs_per_case": 3, "machine": machine}
    met = first_page.section({**report, "cases": {"first_page80": result(2.3, 22.0)}})
    row = (
        "| the 80-minute lecture | small (default) | **2.30 (2.30–2.30)** | 3 | 22.0 (22.0–22.0) |"
    )
    assert f"{row} 10% |" in met
    assert met.endswith("2.30 s, 10%: met.")
    slow = first_page.section({**report, "cases": {"first_page80": result(4.0, 22.0)}})
    assert slow.endswith("4.00 s, 18%: missed.")
