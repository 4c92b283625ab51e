"""The LLM client: OpenAI-compatible chat completions with structured output.

One shared `httpx.AsyncClient` is injected by the composition root. Every call goes
through a fair global concurrency limit, has a deadline sized by the output it may produce
(so a hung call is given up in seconds, not after the global timeout), and is retried with
exponential backoff and jitter (honouring Retry-After) on 429, 5xx, timeouts and
connection errors; other 4xx are not retried. Output is validated with pydantic and
repaired once.

Structured output is spoken in one of three dialects: `json_schema` (vLLM >= 0.12, OpenAI),
`json_object` with an inline schema (llama.cpp servers, older Ollama) or `prompt` only.
In `auto` mode the client starts with json_schema and steps down when a server rejects
the form, then remembers what worked for the process.

LLM_BASE_URL may list several servers (replicas of one model): each request goes to the
least-loaded healthy one, and a server that keeps failing is taken out for a cool-down.

Its parts: `_client` (LLMClient), `_servers` (the servers and their health), `_retries`
(what is retried, Retry-After), `_dialects` (the structured-output forms), `_replies`
(reading JSON out of a reply), `_values` (what a call returns), `_observe` (what metrics
and spending are told about every request, and the client's own time) and `_transport`
(the connection pool, split into small pools).
"""

from core.llm._client import LLMClient
from core.llm._dialects import FORMS
from core.llm._observe import CallObserver, CallRecord, server_label
from core.llm._probe import SIMULATOR_FINGERPRINT
from core.llm._replies import extract_json
from core.llm._retries import parse_retry_after
from core.llm._servers import Server, ServerPool
from core.llm._transport import SplitPoolTransport, tls_context
from core.llm._values import Completion, LLMStats, TextReply

__all__ = [
    "FORMS",
    "SIMULATOR_FINGERPRINT",
    "CallObserver",
    "CallRecord",
    "Completion",
    "LLMClient",
    "LLMStats",
    "Server",
    "ServerPool",
    "SplitPoolTransport",
    "TextReply",
    "extract_json",
    "parse_retry_after",
    "server_label",
    "tls_context",
]
