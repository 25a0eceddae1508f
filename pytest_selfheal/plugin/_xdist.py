"""Healing under pytest-xdist: the workers heal, the controller reports.

A worker holds the failing test, its session and the modules it imported, so it is
where a fix is found, re-run and hot-reloaded: every worker heals the failures of the
tests it ran, as a run of one process would, and commits onto the run's one branch
under the repository lock. The controller runs no test. It names the run (its id and
branch) for the workers through ``workerinput``, and gathers what they healed from
``workeroutput`` to write the one summary and the one JSON and HTML report.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from pytest_selfheal.models import HealOutcome

#: The key of this plugin's entries in ``workerinput`` and ``workeroutput``.
KEY = "selfheal"


@dataclass(frozen=True)
class SharedRun:
    """What the controller tells its workers: when the run started (its id) and the
    branch every worker commits onto."""

    started: datetime
    branch: str


@dataclass
class Gathered:
    """What the workers healed, as the controller received it.

    :param workers: the worker each outcome comes from, in the order of ``outcomes``.
    :param budgets: the LLM budget report of each worker that asked a model.
    """

    outcomes: list[HealOutcome] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    budgets: list[Mapping[str, Any]] = field(default_factory=list)


def is_controller(config: pytest.Config) -> bool:
    """Whether this process distributes the tests to xdist workers and runs none itself."""
    return config.pluginmanager.get_plugin("dsession") is not None


def worker_id(config: pytest.Config) -> str | None:
    """``gw0``, ``gw1``... in an xdist worker; ``None`` elsewhere."""
    workerinput = getattr(config, "workerinput", None)
    return None if workerinput is None else str(workerinput.get("workerid", "?"))


def shared_run(config: pytest.Config) -> SharedRun | None:
    """The run the controller named, in a worker; ``None`` elsewhere."""
    entry = getattr(config, "workerinput", {}).get(KEY)
    if entry is None:
        return None
    return SharedRun(datetime.fromisoformat(entry["started"]), entry["branch"])


def send_to_controller(config: pytest.Config, outcomes: Sequence[HealOutcome],
                       notes: Sequence[str], budget: Mapping[str, Any] | None) -> None:
    """Hand a worker's heals to the controller, which xdist does after this session ends.

    The outcomes travel pickled: they are nested records (leaderboards of candidates,
    fitness, suspects) that the controller renders exactly as a run of one process
    would, and both ends of the channel run this same package.
    """
    config.workeroutput[KEY] = {  # type: ignore[attr-defined]
        "outcomes": pickle.dumps(tuple(outcomes)),
        "notes": list(notes),
        "budget": None if budget is None else dict(budget),
    }


class XdistController:
    """The controller's side: names the run for each worker, gathers their results."""

    def __init__(self, started: datetime, branch_prefix: str) -> None:
        self.started = started
        self.branch_prefix = branch_prefix
        #: ``None`` until a worker reports a heal.
        self.gathered: Gathered | None = None

    @property
    def run_id(self) -> str:
        # The format of the run state's id, so that every worker's matches it.
        return self.started.strftime("%Y%m%d-%H%M%S")

    def pytest_configure_node(self, node: Any) -> None:
        # testrunuid is the same for every worker of this run and differs between runs,
        # so two runs started in the same second never share a branch.
        unique = str(node.workerinput.get("testrunuid", ""))[:8]
        node.workerinput[KEY] = {
            "started": self.started.isoformat(),
            "branch": f"{self.branch_prefix}{self.run_id}-xdist-{unique}".rstrip("-"),
        }

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        entry = getattr(node, "workeroutput", {}).get(KEY)
        if entry is None:
            return  # the worker healed nothing, or crashed before it could say
        gathered = self.gathered = self.gathered or Gathered()
        outcomes = pickle.loads(entry["outcomes"])
        gathered.outcomes.extend(outcomes)
        gathered.workers.extend(str(node.gateway.id) for _ in outcomes)
        gathered.notes.extend(note for note in entry["notes"] if note not in gathered.notes)
        if entry["budget"] is not None:
            gathered.budgets.append(entry["budget"])


def merged_budget(budgets: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The workers' LLM budgets added up; each worker had its own limits."""
    if not budgets:
        return None
    merged: dict[str, Any] = {}
    for budget in budgets:
        for name, value in budget.items():
            if isinstance(value, Mapping):
                entry = merged.setdefault(name, {"used": 0, "allowed": value.get("allowed")})
                entry["used"] += value.get("used") or 0
            elif isinstance(value, int | float):
                merged[name] = merged.get(name, 0) + value
    return merged
