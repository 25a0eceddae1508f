"""Hook specifications of pytest-selfheal, registered through ``pytest_addhooks``.

Implement them in a ``conftest.py`` or a plugin. Mark implementations
``@pytest.hookimpl(optionalhook=True)`` so that running with ``-p no:selfheal`` does
not fail on an unknown hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pytest_selfheal.models import HealOutcome

hookspec = pluggy.HookspecMarker("pytest")


@hookspec
def pytest_selfheal_heal_finished(outcome: HealOutcome) -> None:
    """Called once per attempted heal, after the fix (if any) was committed and reloaded.

    :param outcome: what happened: status, reason, branch, commit, diff, re-run outcome.
    """
