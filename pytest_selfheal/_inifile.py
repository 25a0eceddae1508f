"""pytest's configuration file, found the way pytest finds it, read without pytest.

The ``selfheal`` command reads the ``selfheal_*`` keys from the file ``pytest`` would
use when started in the same directory, so that both see the same settings (the
branch prefix first of all) without the command importing pytest.
"""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path
from typing import Any

#: The files pytest looks for in each directory, in its order, with the section that
#: makes a file count (``None``: the file counts even without one).
CANDIDATES = (
    ("pytest.ini", "pytest"),
    (".pytest.ini", "pytest"),
    ("pyproject.toml", None),
    ("tox.ini", "pytest"),
    ("setup.cfg", "tool:pytest"),
)


def ini_values(start: Path) -> dict[str, str]:
    """The keys of pytest's configuration file for a session started in ``start``, each
    as the string pytest's ``getini`` would see; empty when there is none."""
    for directory in (start, *start.parents):
        for name, section in CANDIDATES:
            path = directory / name
            if not path.is_file():
                continue
            found = (_toml_values(path) if name == "pyproject.toml"
                     else _ini_values(path, section, required=name not in ("pytest.ini",
                                                                           ".pytest.ini")))
            if found is not None:
                return found
    return {}


def _ini_values(path: Path, section: str | None, *, required: bool) -> dict[str, str] | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None if required else {}
    if section is None or not parser.has_section(section):
        return None if required else {}
    return dict(parser.items(section))


def _toml_values(path: Path) -> dict[str, str] | None:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return None
    tool = document.get("tool", {}).get("pytest")
    if not isinstance(tool, dict):
        return None
    table: dict[str, Any] = tool.get("ini_options", tool)
    if not isinstance(table, dict):
        return None
    return {key: str(value) for key, value in table.items() if not isinstance(value, dict)}
