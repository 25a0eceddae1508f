"""Hook specifications of pytest-selfheal, registered through ``pytest_addhooks``.

Implement them in a ``conftest.py`` or a plugin. Mark implementations
``@pytest.hookimpl(optionalhook=True)`` so that running with ``-p no:selfheal`` does
not fail on an unknown hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import pytest

    from pytest_selfheal._settings import Settings
    from pytest_selfheal.engines.base import Engine
    from pytest_selfheal.models import HealOutcome, Verdict

hookspec = pluggy.HookspecMarker("pytest")


@hookspec(firstresult=True)
def pytest_selfheal_make_engine(config: pytest.Config, settings: Settings) -> Engine | None:
    """Return the engine that proposes candidate fixes, or ``None`` for the default.

    The first implementation that returns an engine wins. An engine subclasses
    :class:`pytest_selfheal.engines.base.Engine`: a ``name`` and a ``propose(task,
    feedback)`` method, the other members have defaults. Its candidates go through the
    same screening, evaluation and verification as the built-in engines' ones.

    :param settings: the validated ``--selfheal-*`` settings of the run.
    """


@hookspec
def pytest_selfheal_heal_finished(outcome: HealOutcome) -> None:
    """Called once per attempted heal, after the fix (if any) was committed and reloaded.

    :param outcome: what happened: status, reason, branch, commit, diff, re-run outcome.
    """


@hookspec
def pytest_selfheal_candidate_evaluated(verdict: Verdict) -> None:
    """Called after each candidate fix was judged (or rejected by screening).

    :param verdict: the candidate, whether it passed its selected tests, and why not.
    """
