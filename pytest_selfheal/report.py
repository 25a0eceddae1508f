"""Reports of a run: the terminal summary section and the JSON report.

The JSON report's fields are those of DESIGN.md section 7; fields may be added, none
renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pytest_selfheal.models import HealOutcome, HealStatus

#: Lines of a diff shown per heal in the terminal unless -v is given.
SHORT_DIFF_LINES = 14


def summary_lines(
    outcomes: Sequence[HealOutcome], notes: Sequence[str], *, verbose: bool = False
) -> list[str]:
    """The lines of the ``selfheal`` section of the terminal summary."""
    lines: list[str] = []
    for outcome in outcomes:
        label = str(outcome.status).upper()
        lines.append(f"{label:<8} {outcome.tests[0]} ({outcome.elapsed_s:.1f}s, "
                     f"{outcome.candidates_evaluated} candidates)")
        if outcome.status is HealStatus.HEALED:
            lines.append(f"  fix: {outcome.reason}")
            if outcome.assurance == "verified":
                lines.append(f"  verified: also passed {outcome.held_out_tests} held-out tests "
                             "the search never ran")
            elif outcome.assurance:
                lines.append("  plausible: it passes the tests it was searched with; no "
                             "held-out test covers the function to confirm it")
            if outcome.branch:
                lines.append(f"  branch: {outcome.branch} (commit {(outcome.commit or '')[:10]})")
            rerun = ("passed" if outcome.rerun_outcome == "passed"
                     else outcome.rerun_outcome or "not re-run")
            lines.append(f"  reloaded into this session: {'yes' if outcome.reloaded else 'no'}; "
                         f"re-run: {rerun}")
            diff = outcome.diff.splitlines()
            shown = diff if verbose else diff[:SHORT_DIFF_LINES]
            lines.extend("  | " + line for line in shown)
            if len(shown) < len(diff):
                lines.append(f"  | ... {len(diff) - len(shown)} more lines (-v shows all)")
        else:
            lines.append(f"  why: {outcome.reason}")
            if outcome.suspects:
                lines.append("  suspects: " + ", ".join(
                    f"{suspect.function} ({suspect.score:.2f})" for suspect in outcome.suspects))
        lines.extend(f"  note: {note}" for note in outcome.notes)
    lines.extend(f"note: {note}" for note in notes)
    if outcomes:
        counts = {status: sum(1 for o in outcomes if o.status is status) for status in HealStatus}
        lines.append(", ".join(f"{count} {status}" for status, count in counts.items() if count)
                     + "; the test outcomes above are those of the original code")
        branches = sorted({o.branch for o in outcomes if o.branch})
        for branch in branches:
            lines.append(f"review: selfheal show {branch}   apply: selfheal apply {branch}   "
                         f"drop: selfheal drop {branch}")
    return lines


def json_report(
    outcomes: Sequence[HealOutcome],
    notes: Sequence[str],
    *,
    version: str,
    provider: str,
    started: float,
    elapsed_s: float,
    model: str | None = None,
    budget: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON report of a run (DESIGN.md section 7).

    :param budget: what the LLM engine used and was allowed (calls, tokens, cost),
        ``None`` when no model was asked.
    """
    return {
        "version": version,
        "provider": provider,
        "model": model,
        "seed": None,
        "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed_s, 3),
        "budget": dict(budget) if budget is not None else {
            "calls": {"used": sum(o.llm_calls for o in outcomes), "allowed": None},
            "tokens": {"used": 0, "allowed": None},
            "cost": {"used": 0.0, "allowed": None},
        },
        "heals": [outcome.to_json() for outcome in outcomes],
        "notes": list(notes),
    }
