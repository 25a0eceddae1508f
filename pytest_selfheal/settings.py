"""Validated, frozen settings of one pytest-selfheal run.

Each setting has three spellings: the command-line flag ``--selfheal-<name>``, the ini
key ``selfheal_<name>`` and the environment variable ``SELFHEAL_<NAME>``. Precedence is
command line, then ini, then environment, then the default. Values are validated once,
here; everything below the plugin reads :class:`Settings` and nothing else.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pytest_selfheal.errors import SettingsError

PROVIDERS: Final = ("auto", "offline", "openai", "replay")
MODES: Final = ("branch", "apply", "suggest")
#: Providers that this release can run; the others are accepted names of the interface
#: that are refused with a clear message until their engines land.
AVAILABLE_PROVIDERS: Final = ("auto", "offline")


@dataclass(frozen=True)
class Option:
    """One setting: its name (``workers`` -> ``--selfheal-workers``), help and default."""

    name: str
    help: str
    default: str | None
    choices: tuple[str, ...] = ()
    metavar: str = "VALUE"

    @property
    def flag(self) -> str:
        return f"--selfheal-{self.name}"

    @property
    def ini_key(self) -> str:
        return f"selfheal_{self.name.replace('-', '_')}"

    @property
    def env_var(self) -> str:
        return f"SELFHEAL_{self.name.replace('-', '_').upper()}"


OPTIONS: Final = (
    Option(
        "provider",
        "repair engine: auto (default) uses an LLM when an endpoint or key is configured, "
        "else the offline engine",
        "auto",
        PROVIDERS,
        "NAME",
    ),
    Option(
        "mode",
        "branch (default): commit fixes to a new selfheal/... branch; apply: also write them "
        "into the working tree; suggest: only report them",
        "branch",
        MODES,
        "MODE",
    ),
    Option("report", "write the JSON report of the run to PATH", None, metavar="PATH"),
    Option("timeout", "wall-clock seconds allowed for healing one failure (default 120)", "120",
           metavar="SECONDS"),
    Option(
        "max-candidates",
        "candidate fixes evaluated at most per failure (default 400)",
        "400",
        metavar="N",
    ),
    Option(
        "workers",
        "candidate evaluations run at once (default: the number of CPUs)",
        None,
        metavar="N",
    ),
    Option(
        "evaluator",
        "auto (default): judge candidates in forks of the test session where that is safe, "
        "else in fresh pytest processes; subprocess: always fresh pytest processes",
        "auto",
        ("auto", "subprocess"),
        "KIND",
    ),
    Option(
        "network",
        "isolated (default): candidates run without network access; shared: they share the "
        "session's network, for tests that talk to servers the session started",
        "isolated",
        ("isolated", "shared"),
        "MODE",
    ),
    Option("branch-prefix", "prefix of the generated branches (default selfheal/)", "selfheal/",
           metavar="PREFIX"),
)


@dataclass(frozen=True)
class Settings:
    """Everything a run of pytest-selfheal needs to know, validated.

    :param provider: the engine that will run (``offline``), after ``auto`` is resolved.
    :param provider_note: why that engine was chosen, shown in the report header.
    """

    provider: str
    provider_note: str
    mode: str
    report_path: Path | None
    timeout_s: float
    max_candidates: int
    workers: int
    branch_prefix: str
    network: str = "isolated"
    evaluator: str = "auto"

    @property
    def header(self) -> str:
        """One line saying how healing is set up, for the pytest report header."""
        return (
            f"selfheal: provider {self.provider} ({self.provider_note}), mode {self.mode}, "
            f"workers {self.workers}, timeout {self.timeout_s:g}s per failure"
        )


@dataclass(frozen=True)
class RawValue:
    """An option's unvalidated value and where it came from (a flag, ini key or env var)."""

    value: str | None
    source: str


def resolve_raw(
    cli: Mapping[str, str | None], ini: Mapping[str, str | None], env: Mapping[str, str]
) -> dict[str, RawValue]:
    """Pick each option's raw value by precedence: command line, ini, environment, default.

    :param cli: option name (``workers``) to the flag's value, ``None`` when not given.
    :param ini: option name to the ini value, ``None`` or ``""`` when not set.
    """
    raw: dict[str, RawValue] = {}
    for option in OPTIONS:
        candidates = (
            (cli.get(option.name), option.flag),
            (ini.get(option.name), option.ini_key),
            (env.get(option.env_var), option.env_var),
        )
        raw[option.name] = next(
            (RawValue(value, source) for value, source in candidates if value not in (None, "")),
            RawValue(option.default, option.flag),
        )
    return raw


def from_raw(raw: Mapping[str, RawValue], env: Mapping[str, str] = os.environ) -> Settings:
    """Validate raw option values into :class:`Settings`.

    :param env: the environment, consulted to say why ``auto`` chose its engine.
    :raises SettingsError: naming the flag (or ini key, or environment variable) that
        held the bad value, the value, and how to fix it.
    """

    def where(name: str) -> str:
        return raw[name].source

    def text(name: str) -> str | None:
        return raw[name].value

    def choice(name: str, choices: tuple[str, ...]) -> str:
        value = (text(name) or "").strip()
        if value not in choices:
            raise SettingsError(f"{where(name)} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def positive_int(name: str) -> int:
        value = text(name)
        try:
            number = int(str(value).strip())
        except ValueError:
            number = 0
        if number < 1:
            raise SettingsError(f"{where(name)} must be a positive integer, got {value!r}")
        return number

    def positive_float(name: str) -> float:
        value = text(name)
        try:
            number = float(str(value).strip())
        except ValueError:
            number = math.nan
        if not number > 0 or math.isinf(number):
            raise SettingsError(
                f"{where(name)} must be a positive number of seconds, got {value!r}"
            )
        return number

    provider = choice("provider", PROVIDERS)
    if provider not in AVAILABLE_PROVIDERS:
        raise SettingsError(
            f"{where('provider')} {provider!r} is not available in this release yet; "
            "use --selfheal-provider offline (or auto)"
        )
    if provider == "auto":
        configured = [name for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY") if env.get(name)]
        note = (
            f"{' and '.join(configured)} set, but the LLM engine is not in this release"
            if configured
            else "no LLM endpoint configured"
        )
    else:
        note = f"chosen with {where('provider')}"
    report = text("report")
    workers = positive_int("workers") if text("workers") is not None else os.cpu_count() or 1
    prefix = (text("branch-prefix") or "").strip()
    if not prefix or " " in prefix or prefix.startswith(("-", "/")) or ".." in prefix:
        raise SettingsError(
            f"{where('branch-prefix')} must be a valid git branch prefix such as 'selfheal/', "
            f"got {text('branch-prefix')!r}"
        )
    return Settings(
        provider="offline",
        provider_note=note,
        mode=choice("mode", MODES),
        report_path=Path(report) if report else None,
        timeout_s=positive_float("timeout"),
        max_candidates=positive_int("max-candidates"),
        workers=workers,
        branch_prefix=prefix,
        network=choice("network", ("isolated", "shared")),
        evaluator=choice("evaluator", ("auto", "subprocess")),
    )
