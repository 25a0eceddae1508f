"""The LLM client of a run, made from its settings: shared by the refine and evolve engines.

Talks to the endpoint (recording every exchange in the project's store), or replays a
recorded run with no network at all (``--selfheal-provider replay``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from pytest_selfheal._llm.budget import DEFAULT_PRICES, Budget, BudgetLimits
from pytest_selfheal._llm.client import LLMClient
from pytest_selfheal._llm.records import ClientOptions
from pytest_selfheal._llm.transport import Endpoint, ReplayTransport
from pytest_selfheal._settings import Settings
from pytest_selfheal._store import Store
from pytest_selfheal.errors import EndpointError, ReplayMissError, StoreError


def make_client(
    settings: Settings, root: Path, run_id: str, env: Mapping[str, str] = os.environ,
) -> tuple[LLMClient | None, EndpointError | None]:
    """The run's client, or ``None`` and why there is none (a replay with nothing recorded)."""
    llm = settings.llm
    endpoint = Endpoint(model=llm.model, base_url=llm.base_url,
                        api_key=env.get(llm.api_key_env) or None, key_env=llm.api_key_env,
                        request_timeout_s=llm.request_timeout_s)
    budget = Budget(BudgetLimits(max_calls=llm.max_calls, max_tokens=llm.max_tokens,
                                 max_cost=llm.max_cost))
    prices = {**DEFAULT_PRICES, **llm.prices}
    if settings.provider == "replay":
        try:
            store = Store.for_project(root)
            recorded = llm.replay_run or store.latest_recorded_run()
            exchanges = store.exchanges(recorded) if recorded else []
        except StoreError as exc:
            return None, ReplayMissError(f"nothing to replay: {exc}")
        if not recorded or not exchanges:
            named = f" {llm.replay_run!r}" if llm.replay_run else ""
            return None, ReplayMissError(
                f"nothing to replay: .selfheal/selfheal.db has no recorded LLM run{named}")
        # No key and no network: the recorded replies are all a replay may use.
        return LLMClient(replace(endpoint, api_key=None), budget, ClientOptions(
            transport=ReplayTransport(recorded, exchanges), run_id=run_id,
            provider="replay", prices=prices)), None
    return LLMClient(endpoint, budget, ClientOptions(
        open_store=lambda: Store.for_project(root), run_id=run_id,
        provider=settings.provider, cache=llm.cache, prices=prices)), None
