"""The project as the test session sees it: its files, modules, tests and repository."""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from pytest_selfheal.errors import NotARepositoryError

# The healing machinery is imported inside the functions: a green suite never pays for it.
if TYPE_CHECKING:
    from pytest_selfheal._evaluate import ProjectLayout
    from pytest_selfheal._vcs.gitrepo import GitRepo


def tests_reaching(items: Sequence[pytest.Item], layout: ProjectLayout,
                    paths: Collection[str]) -> list[str]:
    """Node ids of the tests whose modules use, directly or through other project
    modules, any of the project files ``paths``."""
    from pytest_selfheal._heal.localize import importers_closure

    files_by_module = dict(layout.modules)
    graph = {relpath: _project_references(sys.modules.get(name), files_by_module)
             for name, relpath in files_by_module.items()}
    reached = importers_closure(graph, set(paths))
    selected = []
    for item in items:
        module = getattr(item, "module", None)
        if _project_references(module, files_by_module) & reached:
            selected.append(item.nodeid)
    return selected


def _project_references(module: object, files_by_module: Mapping[str, str]) -> set[str]:
    """Project files whose modules, functions or classes ``module`` holds a name of."""
    found: set[str] = set()
    for value in list(getattr(module, "__dict__", {}).values()):
        name = value.__name__ if isinstance(value, ModuleType) else getattr(
            value, "__module__", None)
        if isinstance(name, str) and name in files_by_module:
            found.add(files_by_module[name])
    return found


def discover_repository(root: Path) -> tuple[GitRepo | None, str]:
    """The project's repository, or ``None`` and why there is none to write branches to."""
    try:
        # Imported here: GitPython refuses to import at all where git is not installed,
        # and healing must still run (and report its diffs) on such a machine.
        from pytest_selfheal._vcs.gitrepo import GitRepo

        return GitRepo.discover(root), ""
    except NotARepositoryError as exc:
        return None, str(exc)
    except ImportError as exc:
        return None, f"GitPython cannot be used ({exc})"


def project_layout(config: pytest.Config, items: list[pytest.Item],
                   broken: Sequence[str] = ()) -> ProjectLayout:
    """The project as this session sees it: its root, ini file, tests, modules and import
    roots; ``broken`` test modules (that could not be collected) are test files too."""
    from pytest_selfheal._evaluate import ProjectLayout
    from pytest_selfheal._heal.localize import is_test_file, project_relpath

    root = config.rootpath
    # A doctest's path is the library module it is written in (`--doctest-modules`):
    # counting it as a test file would keep that module's code from being healed.
    test_files = sorted({
        os.path.relpath(item.path, root).replace(os.sep, "/")
        for item in items
        if item.path.is_relative_to(root) and type(item).__name__ != "DoctestItem"
    } | set(broken))
    inipath = config.inipath
    inifile = None
    if inipath is not None:
        inifile = (os.path.relpath(inipath, root).replace(os.sep, "/")
                   if inipath.is_relative_to(root) else str(inipath))
    modules: dict[str, str] = {}
    import_roots: set[str] = set()
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if not isinstance(filename, str):
            continue
        relpath = project_relpath(filename, root, test_files)
        if relpath is None or is_test_file(relpath, test_files):
            continue
        # The directory the module's top-level package was imported from: its path
        # minus the dotted name (src/shopkit/cart.py as shopkit.cart -> src).
        stem = relpath.removesuffix(".py").removesuffix("/__init__")
        dotted = name.replace(".", "/")
        if stem != dotted and not stem.endswith("/" + dotted):
            continue  # imported under a name that does not match its path
        modules[name] = relpath
        import_roots.add(stem[: len(stem) - len(dotted)].rstrip("/") or ".")
    invocation = config.invocation_params.dir
    workdir = (os.path.relpath(invocation, root).replace(os.sep, "/")
               if invocation.is_relative_to(root) else ".")
    return ProjectLayout(root=root, inifile=inifile, test_files=tuple(test_files),
                         import_roots=tuple(sorted(import_roots)), modules=modules,
                         workdir=workdir)
