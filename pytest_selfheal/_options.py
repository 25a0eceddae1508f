"""The ``--selfheal-*`` options: one table, each option with its parser and choices.

Each setting has three spellings: the command-line flag ``--selfheal-<name>``, the ini
key ``selfheal_<name>`` and the environment variable ``SELFHEAL_<NAME>``. Precedence is
command line, then ini, then environment, then the default. Each option's parser turns
its raw text into the value :class:`~pytest_selfheal._settings.Settings` holds, or
raises a :class:`~pytest_selfheal.errors.SettingsError` naming where the text came from.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from pytest_selfheal.errors import SettingsError

PROVIDERS: Final = ("auto", "offline", "openai", "replay")
MODES: Final = ("branch", "apply", "suggest")
DEFAULT_BRANCH_PREFIX: Final = "selfheal/"
_TRUE: Final = ("1", "true", "yes", "on")
_FALSE: Final = ("0", "false", "no", "off")


@dataclass(frozen=True)
class RawValue:
    """An option's unvalidated value and where it came from (a flag, ini key or env var)."""

    value: str | None
    source: str
    #: The user set it (flag, ini key or environment); ``False`` for a default.
    given: bool = True

    @property
    def text(self) -> str:
        return (self.value or "").strip()

    def refuse(self, wanted: str) -> SettingsError:
        """The error for this value: ``<source> must be <wanted>, got <value>``."""
        return SettingsError(f"{self.source} must be {wanted}, got {self.value!r}")


def text(raw: RawValue) -> str:
    return raw.text


def positive_int(raw: RawValue) -> int:
    try:
        number = int(str(raw.value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise raw.refuse("a positive integer")
    return number


def at_most(limit: int) -> Callable[[RawValue], int]:
    """A positive integer no larger than ``limit``."""

    def parse(raw: RawValue) -> int:
        number = positive_int(raw)
        if number > limit:
            raise raw.refuse(f"at most {limit}")
        return number

    return parse


def workers(raw: RawValue) -> int | None:
    """A positive integer, or ``None`` (as many as there are CPUs) when not given."""
    return None if raw.value is None else positive_int(raw)


def _number(raw: RawValue) -> float:
    """The value as a float; NaN, which every check below refuses, when it is none."""
    try:
        return float(raw.text)
    except ValueError:
        return math.nan


def seconds(raw: RawValue) -> float:
    number = _number(raw)
    if not number > 0 or math.isinf(number):
        raise raw.refuse("a positive number of seconds")
    return number


def dollars(raw: RawValue) -> float:
    number = _number(raw)
    if not number >= 0 or math.isinf(number):
        raise raw.refuse("a number of US dollars such as '2.50'")
    return number


def fraction(raw: RawValue) -> float:
    number = _number(raw)
    if not 0 <= number < 10:
        raise raw.refuse("a fraction such as '0.05' (5%)")
    return number


def integer(raw: RawValue) -> int:
    try:
        return int(raw.text)
    except ValueError as exc:
        raise raw.refuse("an integer") from exc


def switch(raw: RawValue) -> bool:
    value = raw.text.lower()
    if value not in (*_TRUE, *_FALSE, ""):
        raise raw.refuse("true or false")
    return value in _TRUE


def path(raw: RawValue) -> Path | None:
    return Path(raw.value) if raw.value else None


def model(raw: RawValue) -> str:
    if not raw.text:
        raise SettingsError(f"{raw.source} must name a model, got {raw.value!r}")
    return raw.text


def variable_name(raw: RawValue) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", raw.text):
        # Never echo the value: it may be the key itself, given by mistake.
        raise SettingsError(
            f"{raw.source} must be the name of an environment variable such as "
            f"'OPENAI_API_KEY' (never the key itself), got a value of {len(raw.text)} "
            "characters")
    return raw.text


def branch_prefix(raw: RawValue) -> str:
    prefix = raw.text
    if not prefix or " " in prefix or prefix.startswith(("-", "/")) or ".." in prefix:
        raise raw.refuse("a valid git branch prefix such as 'selfheal/'")
    return prefix


def targets(raw: RawValue) -> tuple[str, ...]:
    found = tuple(t.strip() for t in raw.text.split(",") if t.strip())
    for target in found:
        module, _, function = target.partition(":")
        if not re.fullmatch(r"[A-Za-z_][\w.]*", module) or not re.fullmatch(
                r"[A-Za-z_][\w.]*", function):
            raise SettingsError(f"{raw.source} must name module:function such as "
                                f"'shop.cart:total', got {target!r}")
    return found


def prices(raw: RawValue) -> dict[str, tuple[float, float]]:
    """Parse ``'model=0.15/0.60, other=1/2'`` (USD per million input/output tokens)."""
    found: dict[str, tuple[float, float]] = {}
    for entry in (raw.value or "").replace(";", ",").split(","):
        if not entry.strip():
            continue
        name, _, pair = entry.partition("=")
        input_price, _, output_price = pair.partition("/")
        try:
            numbers = (float(input_price), float(output_price))
        except ValueError:
            numbers = (math.nan, math.nan)
        if not name.strip() or not all(n >= 0 and math.isfinite(n) for n in numbers):
            raise SettingsError(
                f"{raw.source} must list model=INPUT/OUTPUT prices in USD per million tokens, "
                f"such as 'gpt-4o-mini=0.15/0.60', got {entry.strip()!r}"
            )
        found[name.strip()] = numbers
    return found


@dataclass(frozen=True)
class ExecutorAddress:
    """Where candidates are judged when not on this machine: a Dask scheduler.

    :param address: the scheduler as Dask spells it, ``tcp://HOST:PORT``.
    :param shared: the project's path on a filesystem every worker sees; ``None`` to
        ship the project to the workers instead.
    """

    address: str
    shared: Path | None = None

    @property
    def url(self) -> str:
        """The address as the option spells it."""
        shared = f"?shared={self.shared}" if self.shared is not None else ""
        return f"dask://{self.address.removeprefix('tcp://')}{shared}"


def executor(raw: RawValue) -> ExecutorAddress | None:
    """``local`` (``None``) or ``dask://HOST:PORT``, optionally ``?shared=/PATH``."""
    if raw.text in ("", "local"):
        return None
    wanted = "'local' or a Dask scheduler such as 'dask://HOST:8786' (optionally " \
             "'?shared=/PATH' when the workers see the project there)"
    try:
        parts = urlsplit(raw.text)
        port = parts.port
    except ValueError as exc:
        raise raw.refuse(wanted) from exc
    query = parse_qs(parts.query, keep_blank_values=True)
    shared = query.pop("shared", [None])[-1]
    if (parts.scheme != "dask" or not parts.hostname or port is None or query
            or parts.path not in ("", "/")
            or (shared is not None and not PurePosixPath(shared).is_absolute())):
        raise raw.refuse(wanted)
    try:
        installed = importlib.util.find_spec("distributed") is not None
    except ValueError:
        installed = False
    if not installed:
        raise SettingsError(f"{raw.source} {raw.text!r} needs Dask distributed, which is not "
                            "installed: pip install 'pytest-selfheal[dask]'")
    return ExecutorAddress(f"tcp://{parts.netloc.rsplit('@', 1)[-1]}",
                           Path(shared) if shared is not None else None)


@dataclass(frozen=True)
class Option:
    """One setting: its name (``workers`` -> ``--selfheal-workers``), help and default,
    the choices it accepts (any text when empty) and the parser of its value."""

    name: str
    help: str
    default: str | None
    choices: tuple[str, ...] = ()
    metavar: str = "VALUE"
    parse: Callable[[RawValue], Any] = text
    #: A switch (``--selfheal-cache``) rather than a flag with a value.
    is_switch: bool = False

    @property
    def flag(self) -> str:
        return f"--selfheal-{self.name}"

    @property
    def ini_key(self) -> str:
        return f"selfheal_{self.name.replace('-', '_')}"

    @property
    def env_var(self) -> str:
        return f"SELFHEAL_{self.name.replace('-', '_').upper()}"

    def read(self, raw: RawValue) -> Any:
        """The option's value from its raw text.

        :raises SettingsError: naming the flag, ini key or variable and the value.
        """
        if self.choices and raw.text not in self.choices:
            raise SettingsError(f"{raw.source} must be one of {', '.join(self.choices)}, "
                                f"got {raw.text!r}")
        return self.parse(raw)


OPTIONS: Final = (
    Option("provider", "repair engine: auto (default) uses an LLM when an endpoint or key is "
           "configured, else the offline engine", "auto", PROVIDERS, "NAME"),
    Option("mode", "branch (default): commit fixes to a new selfheal/... branch; apply: also "
           "write them into the working tree; suggest: only report them", "branch", MODES,
           "MODE"),
    Option("report", "write the JSON report of the run to PATH", None, metavar="PATH",
           parse=path),
    Option("timeout", "wall-clock seconds allowed for healing one failure (default 120)", "120",
           metavar="SECONDS", parse=seconds),
    Option("max-candidates", "candidate fixes evaluated at most per failure (default 400)",
           "400", metavar="N", parse=positive_int),
    Option("workers", "candidate evaluations run at once (default: the number of CPUs)", None,
           metavar="N", parse=workers),
    Option("evaluator", "auto (default): judge candidates in forks of the test session where "
           "that is safe, else in fresh pytest processes; subprocess: always fresh pytest "
           "processes", "auto", ("auto", "subprocess"), "KIND"),
    Option("executor", "local (default): judge candidates on this machine; "
           "dask://HOST:PORT: on the workers of that Dask scheduler, which get a copy of the "
           "project (dask://HOST:PORT?shared=/PATH: the project is at /PATH on every "
           "worker); needs pytest-selfheal[dask]", "local", metavar="URL", parse=executor),
    Option("network", "isolated (default): candidates run without network access; shared: "
           "they share the session's network, for tests that talk to servers the session "
           "started", "isolated", ("isolated", "shared"), "MODE"),
    Option("branch-prefix", "prefix of the generated branches (default selfheal/)",
           DEFAULT_BRANCH_PREFIX, metavar="PREFIX", parse=branch_prefix),
    Option("model", "model asked for fixes by the LLM engine (default gpt-4o-mini)",
           "gpt-4o-mini", metavar="NAME", parse=model),
    Option("base-url", "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama "
           "(default: OPENAI_BASE_URL, else api.openai.com)", None, metavar="URL"),
    Option("api-key-env", "environment variable holding the API key (default OPENAI_API_KEY); "
           "the key itself is only ever read from the environment", "OPENAI_API_KEY",
           metavar="NAME", parse=variable_name),
    Option("rounds", "LLM rounds per failure: ask, test, feed the failure back (default 3)", "3",
           metavar="N", parse=positive_int),
    Option("completions", "completions asked for per LLM round (n; default 1)", "1",
           metavar="N", parse=at_most(16)),
    Option("max-llm-calls", "requests sent to the LLM endpoint at most per run, retries "
           "included (default 40)", "40", metavar="N", parse=positive_int),
    Option("max-tokens", "prompt plus completion tokens at most per run (default 500000)",
           "500000", metavar="N", parse=positive_int),
    Option("max-cost", "US dollars spent on the LLM at most per run (default 1.00)", "1.00",
           metavar="USD", parse=dollars),
    Option("llm-timeout", "seconds to wait for one LLM reply (default 60)", "60",
           metavar="SECONDS", parse=seconds),
    Option("prices", "prices in USD per million input/output tokens, e.g. "
           "'my-model=0.5/1.5, other=1/2' (adds to the built-in table)", None,
           metavar="PRICES", parse=prices),
    Option("cache", "answer identical LLM requests from the store in .selfheal/ instead of "
           "the endpoint", None, is_switch=True, parse=switch),
    Option("engine", "LLM engine: refine (default) asks, tests and feeds failures back until "
           "a fix passes; evolve breeds a population and ranks it by pass rate, speed and "
           "diff size", "refine", ("refine", "evolve"), "NAME"),
    Option("population", "candidates the model is asked for per generation with the evolve "
           "engine (default 4)", "4", metavar="N", parse=positive_int),
    Option("generations", "generations at most with the evolve engine (default 3)", "3",
           metavar="N", parse=positive_int),
    Option("patience", "generations without a new leader after which a passing leader wins "
           "(default 1)", "1", metavar="G", parse=positive_int),
    Option("timing-runs", "timing runs of the selected tests per correct candidate and per "
           "baseline measurement; the minimum counts (default 5)", "5", metavar="N",
           parse=positive_int),
    Option("noise-floor", "relative difference below which two timings count as equally "
           "fast (default 0.05)", "0.05", metavar="FRACTION", parse=fraction),
    Option("seed", "seed of the evolution's random choices (default 0)", "0", metavar="N",
           parse=integer),
    Option("optimize", "evolve faster implementations of module:function (comma-separated "
           "for several) once its tests pass; needs an LLM endpoint", None,
           metavar="TARGET", parse=targets),
    Option("replay-run", "with --selfheal-provider replay: the recorded run to replay "
           "(default: the latest one with LLM exchanges)", None, metavar="RUN"),
)


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
            RawValue(option.default, option.flag, given=False),
        )
    return raw
