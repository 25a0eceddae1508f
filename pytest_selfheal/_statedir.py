"""The ``.selfheal/`` state directory at the project's rootdir, kept out of git.

It holds the HTML reports of the runs (``reports/<run-id>.html`` and a copy of the
newest as ``reports/latest.html``) and, later, the store. A ``.gitignore`` holding ``*``
is written into it first, so ``git status`` stays clean and nothing in it can be
committed by accident, without touching the user's own ``.gitignore``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Final

STATE_DIR: Final = ".selfheal"
REPORTS: Final = "reports"
LATEST: Final = "latest.html"
GITIGNORE: Final = "# Written by pytest-selfheal: nothing in this directory belongs in git.\n*\n"


def state_dir(root: Path) -> Path:
    """``root/.selfheal``, created with its ``.gitignore`` when missing.

    :raises OSError: when it cannot be created.
    """
    return kept_out_of_git(root / STATE_DIR)


def kept_out_of_git(directory: Path) -> Path:
    """``directory``, created when missing, with a ``.gitignore`` that ignores all of it.

    :raises OSError: when it cannot be created.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        _write_atomically(ignore, GITIGNORE.encode())
    return directory


def write_html_report(root: Path, run_id: str, html: str) -> Path:
    """Write a run's HTML report and make it ``latest.html``; return the run's file.

    The run's file is created exclusively (``<run-id>.html``, or ``<run-id>-2.html``...
    when two runs started in the same second), ``latest.html`` is replaced atomically.

    :raises OSError: when it cannot be written.
    """
    reports = state_dir(root) / REPORTS
    reports.mkdir(exist_ok=True)
    data = html.encode("utf-8")
    number = 1
    while True:
        path = reports / (f"{run_id}.html" if number == 1 else f"{run_id}-{number}.html")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            number += 1
            continue
        with os.fdopen(descriptor, "wb") as output:
            output.write(data)
        break
    _write_atomically(reports / LATEST, data)
    return path


def find_reports(start: Path) -> Path | None:
    """The nearest ``.selfheal/reports`` directory at ``start`` or above it."""
    for directory in (start, *start.parents):
        candidate = directory / STATE_DIR / REPORTS
        if candidate.is_dir():
            return candidate
    return None


def old_reports(reports: Path, older_than_s: float, now: float | None = None) -> list[Path]:
    """Report files in ``reports`` last written more than ``older_than_s`` seconds ago."""
    now = time.time() if now is None else now
    return sorted(path for path in reports.iterdir()
                  if path.is_file() and now - path.stat().st_mtime > older_than_s)


def _write_atomically(path: Path, data: bytes) -> None:
    # A reader (a browser, `selfheal report`) never sees a half-written file.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as output:
            output.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
