"""The LLM client; :mod:`~pytest_selfheal._llm.transport` is the only module that imports
:mod:`openai`.

:class:`LLMClient` asks an OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM,
llama.cpp server, LM Studio, Groq...) for chat completions and owns everything a call
needs around it:

- **budgets**, checked *before* every request: calls, tokens, cost (a run never goes
  past them) and the failure's deadline (``--selfheal-timeout``);
- **retries** with backoff on 429, 5xx, timeouts and broken connections, honouring
  ``Retry-After``. The SDK's own retries are switched off (``max_retries=0``): they
  would sleep inside one call where neither the budgets nor the deadline can see them;
- ``n`` **completions** per request where the endpoint supports it, else parallel
  requests under a concurrency limit;
- **accounting** of tokens and cost (per-model prices, unknown models cost 0 with one
  :class:`~pytest_selfheal.errors.SelfHealWarning`);
- the **store**: every exchange recorded, identical requests served from the cache on
  request, and :class:`ReplayTransport` replaying a recorded run with no network;
- **translation** of the SDK's errors into :class:`~pytest_selfheal.errors.LLMError`
  subclasses, at one boundary (:meth:`OpenAITransport.send`);
- **secrecy**: the API key is removed from every message, reply, error and record.
"""

from __future__ import annotations

from pytest_selfheal._llm.budget import DEFAULT_PRICES, Budget, BudgetLimits, Message
from pytest_selfheal._llm.client import LLMClient
from pytest_selfheal._llm.records import ClientOptions, Completion
from pytest_selfheal._llm.transport import (
    ChatReply,
    ChatRequest,
    Endpoint,
    OpenAITransport,
    ReplayTransport,
    Transport,
    request_hash,
    retry_after,
)

__all__ = [
    "DEFAULT_PRICES",
    "Budget",
    "BudgetLimits",
    "ChatReply",
    "ChatRequest",
    "ClientOptions",
    "Completion",
    "Endpoint",
    "LLMClient",
    "Message",
    "OpenAITransport",
    "ReplayTransport",
    "Transport",
    "request_hash",
    "retry_after",
]
