"""A simulated vLLM server: OpenAI-compatible, real HTTP, with vLLM's timing.

No GPU here, so tests, the demo and the benchmark talk to this. It answers
POST /v1/chat/completions and GET /v1/models; its answers are valid JSON built from the
text it was actually sent (devtools/answers.py); GET /sim/stats exposes every call's
tokens and modelled times, so a benchmark can compute the critical-path bound of the calls
that were really made. docs/simulator.md describes the model and its numbers.

The parts, one module each:

- `config`: SimConfig (every knob) and CallRecord (what is kept of a call).
- `timing`: the Engine, continuous batching in model seconds played back divided by
  `speedup`, and the grammar compile cost of structured output.
- `prefix_cache`: vLLM's automatic prefix caching on 16-token blocks.
- `faults`: 429, 500, hang, malformed JSON, context overflow and the wrong-answer faults,
  one small strategy each, injected by queue, by rule or by rate.
- `dialects`: servers that speak structured output differently (llama.cpp, old Ollama,
  prompt-only), as a table of refusals.
- `replies`: the error and completion bodies.
- `server`: the routes and the uvicorn server; SimServer ties the parts together.
"""

from typing import TYPE_CHECKING, Any

from devtools.glosses import count_tokens
from devtools.simllm.config import DEFAULT_MODEL, CallRecord, SimConfig
from devtools.simllm.dialects import DIALECTS
from devtools.simllm.faults import FAULTS
from devtools.simllm.prefix_cache import PrefixCache
from devtools.simllm.timing import Engine, Stopped, _Seq

if TYPE_CHECKING:
    from devtools.simllm.server import SimServer, serve_forever
else:

    def __getattr__(name: str) -> Any:
        """The server (uvicorn, starlette) loads when it is first asked for: the CLI
        names the dialects and a real run never starts the simulator."""
        if name in ("SimServer", "serve_forever"):
            from devtools.simllm import server

            return getattr(server, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODEL",
    "DIALECTS",
    "FAULTS",
    "CallRecord",
    "Engine",
    "PrefixCache",
    "SimConfig",
    "SimServer",
    "Stopped",
    "_Seq",
    "count_tokens",
    "serve_forever",
]
