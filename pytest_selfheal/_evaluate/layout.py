"""What a child run needs to know about the project under test, and what a cage must
keep showing for its tests to run."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ProjectLayout:
    """What a child run needs to know about the project under test.

    :param root: the pytest rootdir; the scratch copy mirrors it.
    :param inifile: the configuration file, relative to ``root`` when inside it.
    :param test_files: relative paths of the collected test modules, passed as
        arguments so collection only visits them.
    :param import_roots: relative directories the project's modules were imported
        from (``src``), put first on the child's ``PYTHONPATH`` so the copy wins
        over an editable install of the original.
    :param modules: dotted module name to relative file of the project modules the
        session imported; a child checks they come from the copy.
    :param workdir: the session's working directory relative to ``root`` (``.``).
    """

    root: Path
    inifile: str | None
    test_files: tuple[str, ...]
    import_roots: tuple[str, ...] = ()
    modules: Mapping[str, str] = field(default_factory=dict)
    workdir: str = "."


def visible_paths(root: Path) -> tuple[str, ...]:
    """What a cage must keep showing (read-only) for tests to run: the project, and
    everywhere the session imports from."""
    extra = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    return tuple(dict.fromkeys(os.path.abspath(path) for path in
                               (str(root), sys.prefix, *sys.path, *extra) if path))
