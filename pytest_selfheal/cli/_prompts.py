"""``selfheal prompts``: the evolving prompt strategies, every version and its scores."""

from __future__ import annotations

from pathlib import Path

from pytest_selfheal._statedir import STATE_DIR
from pytest_selfheal._store import DATABASE, Store
from pytest_selfheal.cli._console import CommandError, Output
from pytest_selfheal.errors import StoreError

#: Characters of an older version's text shown (the current one is shown in full).
OLDER_TEXT = 100


def find_store(start: Path) -> Path:
    """The store of the project at or above ``start``."""
    for directory in (start, *start.parents):
        candidate = directory / STATE_DIR / DATABASE
        if candidate.is_file():
            return candidate
    raise CommandError(f"no {STATE_DIR}/{DATABASE} at or above {start}: prompt "
                       "strategies are recorded when the evolve engine has run")


def prompts(start: Path, out: Output) -> int:
    """Print each strategy's versions (oldest first) with how each version scored."""
    try:
        store = Store(find_store(start))
        try:
            versions = store.prompt_versions()
            scores = {(s, v): (entered, won, mean)
                      for s, v, entered, won, mean in store.prompt_scores()}
            statuses = store.prompt_statuses()
        finally:
            store.close()
    except StoreError as exc:
        raise CommandError(str(exc)) from exc
    if not versions:
        out.line("no prompt strategies recorded yet: run pytest --selfheal with "
                 "--selfheal-engine evolve")
        return 0
    latest = {v.strategy: v.version for v in versions}
    # The current version is the latest one accepted (no status: current from the start).
    current = {v.strategy: v.version for v in versions
               if statuses.get((v.strategy, v.version), ("accepted", ""))[0] == "accepted"}
    for strategy in sorted(latest):
        out.line(out.paint(f"strategy {strategy}", "bold") + f" ({latest[strategy]} version"
                 f"{'s' if latest[strategy] != 1 else ''})")
        for version in (v for v in versions if v.strategy == strategy):
            entered, won, mean = scores.get((strategy, version.version), (0, 0, 0.0))
            record = (f"won {won} of {entered} evolutions, mean fitness {mean:.3f}" if entered
                      else "not scored yet")
            status, why = statuses.get((strategy, version.version), ("accepted", ""))
            if version.version == current.get(strategy):
                label = " (current)"
            elif status in ("probation", "rejected"):
                label = f" ({status}: {why})"
            else:
                label = f" (replaced; {why})" if why else " (replaced)"
            out.line(f"  v{version.version}{label}  {version.created}"
                     f"  {version.origin}; {record}")
            text = " ".join(version.text.split())
            if version.version == current.get(strategy) or status == "probation":
                out.line(f"    {text}")
            else:
                out.line(f"    {text[:OLDER_TEXT]}{'...' if len(text) > OLDER_TEXT else ''}")
    return 0
