"""Hot reload of an accepted fix into the session, and the healed test's re-run there.

The re-run is the last check of a fix: when the healed test still fails in the session
that found it, the verdict was wrong (or forged), and the fix is taken back from the
session, the branch and the report alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from pytest_selfheal.errors import ReloadError
from pytest_selfheal.models import HealOutcome

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer


def reload_and_rerun(outcome: HealOutcome, healer: Healer, nodeid: str,
                     rerun: Callable[[], Sequence[pytest.TestReport]]) -> HealOutcome:
    """Swap the fix into the running modules, run the healed test again with ``rerun``,
    and withdraw the fix when it fails."""
    assert outcome.new_source is not None
    assert outcome.function is not None
    from pytest_selfheal._source.memos import clear_memos, project_memos
    from pytest_selfheal._source.reload import swap, swap_changes

    function = outcome.function
    path = str(healer.layout.root / function.path)
    try:
        if outcome.changes:
            for relpath, old, new in outcome.changes:
                swap_changes(str(healer.layout.root / relpath), old, new)
        else:
            swap(path, function.qualname, outcome.new_source)
    except ReloadError as exc:
        # Forked children would judge the old code from now on: stop forking.
        healer.evaluator.zygote = None
        return replace(outcome, notes=(*outcome.notes, f"not reloaded: {exc}"))
    memos = project_memos(str(healer.layout.root))
    clear_memos(memos)  # they hold what the old code computed, here or through it
    reports = rerun()
    failed = [report for report in reports if not (report.passed or report.skipped)]
    outcome = replace(outcome, reloaded=True, rerun_outcome="failed" if failed else "passed")
    if not failed:
        healer.landings.pop(nodeid, None)
        return outcome
    # The verdict was wrong (or forged): the fix goes, from the session first.
    old_source = healer.landings[nodeid].old_source
    try:
        if outcome.changes:
            for relpath, old, new in outcome.changes:
                swap_changes(str(healer.layout.root / relpath), new, old)
        else:
            swap(path, function.qualname, old_source)
        clear_memos(memos)
    except ReloadError as exc:
        healer.evaluator.zygote = None
        outcome = replace(outcome, notes=(*outcome.notes, f"not reloaded back: {exc}"))
    crash = getattr(failed[0].longrepr, "reprcrash", None)
    message = getattr(crash, "message", "") or "failed"
    message = message.splitlines()[0]
    return healer.withdraw(outcome, f"the healed test failed when re-run in this session "
                                    f"({failed[0].when}: {message[:300]}); the fix was "
                                    "withdrawn")
