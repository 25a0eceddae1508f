"""The pytest entry point of pytest-selfheal (plugin name ``selfheal``).

Nothing heavy is imported here: without ``--selfheal`` the plugin adds its options and
does nothing else. With it, the options are validated once into
:class:`~pytest_selfheal._settings.Settings` and the session plugin is registered.
"""

from __future__ import annotations

import os

import pytest

from pytest_selfheal._option_rules import with_option_rules
from pytest_selfheal._options import OPTIONS, resolve_raw
from pytest_selfheal._settings import from_raw
from pytest_selfheal.errors import SettingsError


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--selfheal`` and the ``--selfheal-*`` options with their ini keys."""
    group = parser.getgroup("selfheal", "repair the code behind failing tests")
    group.addoption(
        "--selfheal",
        action="store_true",
        default=False,
        help="heal failing tests: find and verify a fix, commit it to a selfheal/... branch, "
        "and hot-reload it into this session",
    )
    for option in OPTIONS:
        if option.is_switch:
            group.addoption(option.flag, dest=option.ini_key, action="store_const", const="true",
                            default=None, help=option.help)
        else:
            group.addoption(
                option.flag,
                dest=option.ini_key,
                default=None,
                metavar=option.metavar,
                help=option.help,
            )
        parser.addini(option.ini_key, help=option.help, default=None)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the ``pytest_selfheal_*`` hook specifications."""
    from pytest_selfheal import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def _ini_value(config: pytest.Config, key: str) -> str | None:
    # getini raises on a malformed typed value; ours are strings, but a list-valued
    # key written by mistake must still be a usage error, not an INTERNALERROR.
    try:
        value = config.getini(key)
    except (ValueError, TypeError) as exc:
        raise pytest.UsageError(f"ini key {key}: {exc}") from exc
    if value is None or isinstance(value, str):
        return value
    raise pytest.UsageError(f"ini key {key} must be a single value, got {value!r}")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Validate the options and start healing when ``--selfheal`` is given."""
    # Registered even without --selfheal, so --strict-markers accepts marked tests.
    config.addinivalue_line(
        "markers", "selfheal_optimize(target): with --selfheal, evolve a faster "
        "implementation of target (module:function) that keeps the tests passing")
    if not config.getoption("selfheal"):
        return
    cli = {option.name: config.getoption(option.ini_key) for option in OPTIONS}
    ini = {option.name: _ini_value(config, option.ini_key) for option in OPTIONS}
    try:
        raw = resolve_raw(cli, ini, os.environ)
        settings = with_option_rules(from_raw(raw), raw)
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from exc
    from pytest_selfheal.plugin._session import SelfHealSession

    config.pluginmanager.register(SelfHealSession(config, settings), "selfheal-session")
