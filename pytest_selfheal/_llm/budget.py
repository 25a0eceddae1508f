"""What a run may spend on its model, and the upper bounds that keep it within that."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pytest_selfheal.errors import BudgetExhaustedError

#: A chat message: ``{"role": "user", "content": "..."}``.
Message = Mapping[str, str]

#: USD per million (input, output) tokens: published list prices. Override or extend
#: them with ``selfheal_prices``.
DEFAULT_PRICES: Final[Mapping[str, tuple[float, float]]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
    "o3-mini": (1.10, 4.40),
}


@dataclass(frozen=True)
class BudgetLimits:
    """What a run may spend on its model; ``None`` is no limit."""

    max_calls: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None


class Budget:
    """What a run may spend on its model and has spent, shared by its threads.

    A request is admitted by :meth:`reserve` *before* it is sent, with an upper bound
    of the tokens and cost it can use, and settled with the real figures after. So
    concurrent requests cannot overrun a limit together, and a run never goes past
    one, provided the endpoint honours ``max_tokens``.
    """

    def __init__(self, limits: BudgetLimits) -> None:
        self.limits = limits
        self.calls = 0
        self.tokens = 0
        self.cost = 0.0
        self.cached = 0
        self._reserved_tokens = 0
        self._reserved_cost = 0.0
        self._lock = threading.Lock()

    def tokens_left(self) -> float:
        """Tokens not yet used or reserved (``inf`` without a limit)."""
        with self._lock:
            if self.limits.max_tokens is None:
                return math.inf
            return self.limits.max_tokens - self.tokens - self._reserved_tokens

    def cost_left(self) -> float:
        """Dollars not yet spent or reserved (``inf`` without a limit)."""
        with self._lock:
            if self.limits.max_cost is None:
                return math.inf
            return self.limits.max_cost - self.cost - self._reserved_cost

    def reserve(self, tokens: int, cost: float) -> None:
        """Admit one request that may use up to ``tokens`` and ``cost``.

        :raises BudgetExhaustedError: naming the budget it would go past and its option.
        """
        limits = self.limits
        with self._lock:
            if limits.max_calls is not None and self.calls >= limits.max_calls:
                raise BudgetExhaustedError(
                    f"the budget of {limits.max_calls} LLM calls is spent "
                    "(raise --selfheal-max-llm-calls)")
            if (limits.max_tokens is not None
                    and self.tokens + self._reserved_tokens + tokens > limits.max_tokens):
                left = limits.max_tokens - self.tokens - self._reserved_tokens
                raise BudgetExhaustedError(
                    f"the token budget is spent: {self.tokens} of {limits.max_tokens} used, "
                    f"{max(left, 0)} left, and the next call may need {tokens} "
                    "(raise --selfheal-max-tokens)")
            if (limits.max_cost is not None
                    and self.cost + self._reserved_cost + cost > limits.max_cost):
                raise BudgetExhaustedError(
                    f"the cost budget is spent: ${self.cost:.4f} of ${limits.max_cost:.2f} "
                    f"used, and the next call may cost up to ${cost:.4f} "
                    "(raise --selfheal-max-cost)")
            self.calls += 1
            self._reserved_tokens += tokens
            self._reserved_cost += cost

    def settle(self, reserved_tokens: int, reserved_cost: float, tokens: int, cost: float) -> None:
        """Replace a reservation by what the request really used."""
        with self._lock:
            self._reserved_tokens -= reserved_tokens
            self._reserved_cost -= reserved_cost
            self.tokens += tokens
            self.cost += cost

    def report(self) -> dict[str, Any]:
        """``used`` and ``allowed`` of each budget, as in the JSON report."""
        with self._lock:
            return {
                "calls": {"used": self.calls, "allowed": self.limits.max_calls},
                "tokens": {"used": self.tokens, "allowed": self.limits.max_tokens},
                "cost": {"used": round(self.cost, 6), "allowed": self.limits.max_cost},
                "cached": self.cached,
            }


def prompt_token_bound(messages: Sequence[Message]) -> int:
    """An upper bound of the prompt tokens of ``messages``.

    A token of the byte-level BPE tokenizers of OpenAI, Llama, Mistral and Qwen models
    is at least one byte, so the bytes of the text bound its tokens; each message adds
    a few tokens of framing.
    """
    return sum(len(str(m.get("content", "")).encode("utf-8"))
               + len(str(m.get("role", ""))) + 4 for m in messages) + 3


def price_for(model: str, prices: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    """The (input, output) price of ``model``; a dated snapshot costs what its family
    costs (``gpt-4o-mini-2024-07-18`` is ``gpt-4o-mini``). ``None`` when unknown."""
    if model in prices:
        return prices[model]
    family = max((name for name in prices if model.startswith(name + "-")), key=len,
                 default=None)
    return None if family is None else prices[family]
