"""What the LLM engines share: the client, the budget spent per task, the task's deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pytest_selfheal._llm import LLMClient
from pytest_selfheal.engines.base import Engine
from pytest_selfheal.errors import EndpointError


@dataclass(frozen=True)
class Asking:
    """How an LLM engine asks its model.

    :param timeout_s: how long one task may ask the model.
    :param completions: answers asked for per request (``n``).
    :param test_files: project-relative test modules, which replies may not touch.
    :param unavailable: why there is no client (a replay with no recorded run); raised
        at the first :meth:`~LLMEngine.propose`, so the heal ends with that one line.
    :param clock: the monotonic clock of the task's deadline.
    """

    timeout_s: float = 120.0
    completions: int = 1
    test_files: tuple[str, ...] = ()
    unavailable: EndpointError | None = None
    clock: Callable[[], float] = time.perf_counter


class LLMEngine(Engine):
    """An engine whose candidates come from a model.

    :param client: the model; ``None`` with ``asking.unavailable`` when it could not be
        set up.
    """

    def __init__(self, client: LLMClient | None, asking: Asking) -> None:
        self.client = client
        self.model = client.endpoint.model if client is not None else "none"
        self.timeout_s = asking.timeout_s
        self.completions = asking.completions
        self.test_files = asking.test_files
        self.unavailable = asking.unavailable
        self.clock = asking.clock
        self.stop_reason = None
        self.task_calls = 0
        self._calls_before = 0
        self._deadline = 0.0

    def _available(self) -> LLMClient:
        """The client, or the endpoint's error when there is none."""
        if self.unavailable is not None:
            raise type(self.unavailable)(str(self.unavailable))
        assert self.client is not None
        return self.client

    def _start_task(self) -> None:
        """Start counting this task's calls and its deadline."""
        client = self._available()
        self._calls_before = client.budget.calls
        self.task_calls = 0
        self.stop_reason = None
        self._deadline = self.clock() + self.timeout_s

    def _count_calls(self) -> None:
        """Bring :attr:`task_calls` up to date with the client's budget."""
        if self.client is not None:
            self.task_calls = self.client.budget.calls - self._calls_before
