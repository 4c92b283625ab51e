"""The simulator's settings, and what it records of every call it answers."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MODEL = "Qwen/Qwen2.5-14B-Instruct-AWQ"


@dataclass
class SimConfig:
    speedup: float = 1.0
    t_overhead: float = 0.040  # t_o: scheduling + first step, seconds
    prefill_rate: float = 7000.0  # R_pf, tokens/s
    t0: float = 0.0108  # TPOT at batch 1, seconds (about 93 tokens/s)
    k_seq: float = 0.0002  # TPOT growth per extra running sequence
    k_kv: float = 0.00019  # TPOT growth per 1k context tokens in the batch
    # Structured output (json_schema / json_object) with xgrammar, vLLM's default backend:
    # the schema is compiled once per server (requests wait for it), and every decode
    # step computes a token mask per constrained sequence on the CPU (docs/simulator.md).
    grammar_compile_s: float = 0.03
    grammar_token_s: float = 0.00004
    # Simulated meanings are this many times their calibrated length (a sensitivity knob).
    meaning_scale: float = 1.0
    max_num_seqs: int = 256
    max_model_len: int = 32768
    block_size: int = 16
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    dialect: str = "vllm"
    fault_rates: dict[str, float] = field(default_factory=dict)
    # Deterministic faults: (substring of the prompt, fault) pairs, and a queue of
    # faults for the next requests in arrival order.
    fault_rules: list[tuple[str, str]] = field(default_factory=list)
    fault_queue: list[str] = field(default_factory=list)
    retry_after: float = 2.0  # model seconds, sent as Retry-After / retry-after-ms
    seed: int = 1234
    wrap_prose: bool = False  # answer "Here you go: ```json ...```" like chatty models
    # Say "I am the simulator" (in /v1/models and every answer), so clients label its
    # placeholder meanings; False imitates a real server (tests of the real-server paths).
    fingerprint: bool = True


@dataclass
class CallRecord:
    id: int
    task: str
    status: int
    fault: str | None
    prompt_tokens: int
    cached_tokens: int
    completion_tokens: int
    arrival: float  # model seconds since the server started
    admitted: float = 0.0
    first_token: float = 0.0
    finished: float = 0.0
    constrained: bool = False  # decoded under a grammar (json_schema / json_object)

    @property
    def ttft(self) -> float:
        return self.first_token - self.arrival

    @property
    def e2e(self) -> float:
        return self.finished - self.arrival
