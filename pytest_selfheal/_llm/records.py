"""What the LLM client takes and gives: its options, and one completion."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from pytest_selfheal._llm.budget import DEFAULT_PRICES
from pytest_selfheal._llm.transport import Transport
from pytest_selfheal._store import Store

#: Retries of one request after a 429, 5xx, timeout or broken connection.
RETRIES: Final = 3
#: Parallel requests when the endpoint ignores ``n``.
CONCURRENCY: Final = 4


@dataclass(frozen=True)
class Completion:
    """The answer to :meth:`~pytest_selfheal._llm.client.LLMClient.complete`: ``n`` texts
    and what they cost.

    :param origin: ``endpoint``, ``cache`` or ``replay``.
    :param calls: requests it took, retries included.
    """

    texts: tuple[str, ...]
    finish_reasons: tuple[str, ...]
    prompt_tokens: int
    completion_tokens: int
    cost: float
    latency_s: float
    calls: int
    origin: str


@dataclass(frozen=True)
class ClientOptions:
    """How an :class:`~pytest_selfheal._llm.client.LLMClient` sends, records and waits.

    :param transport: how requests are sent; the ``openai`` SDK by default, or a
        :class:`~pytest_selfheal._llm.transport.ReplayTransport`.
    :param open_store: opens the store, called at the first exchange so that a run
        that never asks a model creates no file; ``None`` records nothing.
    :param run_id: the run the exchanges are recorded under.
    :param cache: serve a request from the store when it was answered before.
    :param prices: model to USD per million (input, output) tokens.
    :param sleep: waits between retries (tests pass one that records the waits).
    :param clock: a monotonic clock, the one the caller's deadlines are on.
    """

    transport: Transport | None = None
    open_store: Callable[[], Store] | None = None
    run_id: str = ""
    provider: str = "openai"
    cache: bool = False
    prices: Mapping[str, tuple[float, float]] = field(default_factory=lambda: DEFAULT_PRICES)
    concurrency: int = CONCURRENCY
    retries: int = RETRIES
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.perf_counter
