"""Terminal output of the `selfheal` command and hook: colour on terminals only, progress."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Final, TextIO, TypeVar

from pytest_selfheal._redaction import escape_controls

T = TypeVar("T")

STYLES: Final = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33",
                 "blue": "34", "cyan": "36"}


class CommandError(Exception):
    """An expected failure of a command: printed as ``selfheal: error: ...``, exit code 1."""


def wants_color(choice: str, stream: TextIO) -> bool:
    """Whether to colour ``stream``: ``always``, ``never``, or ``auto``.

    ``auto`` colours a terminal only, and never when ``NO_COLOR`` is set (no-color.org)
    or ``TERM`` is ``dumb``.
    """
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


class Output:
    """Writes a command's results to stdout and its progress to stderr."""

    def __init__(self, color: str = "auto", stdout: TextIO | None = None,
                 stderr: TextIO | None = None) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.color = wants_color(color, self.stdout)
        self._live_progress = self.stderr.isatty() and os.environ.get("TERM") != "dumb"

    def paint(self, text: str, *styles: str) -> str:
        """``text`` wrapped in the ANSI codes of ``styles`` when colour is on."""
        if not self.color or not styles:
            return text
        codes = ";".join(STYLES[style] for style in styles)
        return f"\033[{codes}m{text}\033[0m"

    def line(self, text: str = "") -> None:
        """Print one line of the command's result."""
        print(text, file=self.stdout, flush=True)

    def diff(self, text: str) -> None:
        """Print a unified diff, added lines green and removed lines red; the control
        characters of model-written code escaped."""
        for line in escape_controls(text).splitlines():
            if line.startswith(("+++", "---", "diff ", "index ")):
                self.line(self.paint(line, "bold"))
            elif line.startswith("@@"):
                self.line(self.paint(line, "cyan"))
            elif line.startswith("+"):
                self.line(self.paint(line, "green"))
            elif line.startswith("-"):
                self.line(self.paint(line, "red"))
            else:
                self.line(line)

    def progress(self, items: Iterable[T], total: int, label: str) -> Iterator[T]:
        """Yield ``items`` while showing ``label [####    ] n/total`` on a terminal.

        Nothing is drawn when stderr is not a terminal (CI logs, pipes): the results
        printed on stdout say what was done.
        """
        if not self._live_progress or total < 2:
            yield from items
            return
        width = 24
        for done, item in enumerate(items):
            filled = width * done // total
            self.stderr.write(f"\r{label} [{'#' * filled}{' ' * (width - filled)}] "
                              f"{done}/{total}")
            self.stderr.flush()
            yield item
        self.stderr.write(f"\r{label} [{'#' * width}] {total}/{total}\n")
        self.stderr.flush()


def age(seconds: float) -> str:
    """A rough, readable age: ``just now``, ``5 minutes``, ``3 hours``, ``2 days``."""
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")  # pragma: no cover


def ago(seconds: float) -> str:
    """``just now`` or ``5 minutes ago``."""
    text = age(seconds)
    return text if text == "just now" else f"{text} ago"
