"""Validated, frozen settings of one pytest-selfheal run.

Each setting has three spellings: the command-line flag ``--selfheal-<name>``, the ini
key ``selfheal_<name>`` and the environment variable ``SELFHEAL_<NAME>``. Precedence is
command line, then ini, then environment, then the default. Values are validated once,
here; everything below the plugin reads :class:`Settings` and nothing else.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from pytest_selfheal.errors import SettingsError

PROVIDERS: Final = ("auto", "offline", "openai", "replay")
MODES: Final = ("branch", "apply", "suggest")
#: Providers that this release can run; the others are accepted names of the interface
#: that are refused with a clear message until their engines land.
AVAILABLE_PROVIDERS: Final = ("auto", "offline", "openai", "replay")
#: Where the OpenAI SDK sends requests when no base URL is configured.
OPENAI_DEFAULT_URL: Final = "https://api.openai.com/v1"
_TRUE: Final = ("1", "true", "yes", "on")
_FALSE: Final = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Option:
    """One setting: its name (``workers`` -> ``--selfheal-workers``), help and default."""

    name: str
    help: str
    default: str | None
    choices: tuple[str, ...] = ()
    metavar: str = "VALUE"
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
    Option("model", "model asked for fixes by the LLM engine (default gpt-4o-mini)",
           "gpt-4o-mini", metavar="NAME"),
    Option("base-url", "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama "
           "(default: OPENAI_BASE_URL, else api.openai.com)", None, metavar="URL"),
    Option("api-key-env", "environment variable holding the API key (default OPENAI_API_KEY); "
           "the key itself is only ever read from the environment", "OPENAI_API_KEY",
           metavar="NAME"),
    Option("rounds", "LLM rounds per failure: ask, test, feed the failure back (default 3)", "3",
           metavar="N"),
    Option("completions", "completions asked for per LLM round (n; default 1)", "1",
           metavar="N"),
    Option("max-llm-calls", "requests sent to the LLM endpoint at most per run, retries "
           "included (default 40)", "40", metavar="N"),
    Option("max-tokens", "prompt plus completion tokens at most per run (default 500000)",
           "500000", metavar="N"),
    Option("max-cost", "US dollars spent on the LLM at most per run (default 1.00)", "1.00",
           metavar="USD"),
    Option("llm-timeout", "seconds to wait for one LLM reply (default 60)", "60",
           metavar="SECONDS"),
    Option("prices", "prices in USD per million input/output tokens, e.g. "
           "'my-model=0.5/1.5, other=1/2' (adds to the built-in table)", None,
           metavar="PRICES"),
    Option("cache", "answer identical LLM requests from the store in .selfheal/ instead of "
           "the endpoint", None, is_switch=True),
    Option("engine", "LLM engine: refine (default) asks, tests and feeds failures back until "
           "a fix passes; evolve breeds a population and ranks it by pass rate, speed and "
           "diff size", "refine", ("refine", "evolve"), "NAME"),
    Option("population", "candidates the model is asked for per generation with the evolve "
           "engine (default 4)", "4", metavar="N"),
    Option("generations", "generations at most with the evolve engine (default 3)", "3",
           metavar="N"),
    Option("patience", "generations without a new leader after which a passing leader wins "
           "(default 1)", "1", metavar="G"),
    Option("timing-runs", "timing runs of the selected tests per correct candidate and per "
           "baseline measurement; the minimum counts (default 5)", "5", metavar="N"),
    Option("noise-floor", "relative difference below which two timings count as equally "
           "fast (default 0.05)", "0.05", metavar="FRACTION"),
    Option("seed", "seed of the evolution's random choices (default 0)", "0", metavar="N"),
    Option("optimize", "evolve faster implementations of module:function (comma-separated "
           "for several) once its tests pass; needs an LLM endpoint", None,
           metavar="TARGET"),
    Option("replay-run", "with --selfheal-provider replay: the recorded run to replay "
           "(default: the latest one with LLM exchanges)", None, metavar="RUN"),
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
    llm: LLMSettings = field(default_factory=lambda: LLMSettings())
    evolution: EvolutionSettings = field(default_factory=lambda: EvolutionSettings())
    #: What the options given imply or leave without effect, said at start-up.
    notes: tuple[str, ...] = ()

    @property
    def uses_llm(self) -> bool:
        """Whether healing asks a model (``openai`` or ``replay``)."""
        return self.provider in ("openai", "replay")

    @property
    def header(self) -> str:
        """One line saying how healing is set up, for the pytest report header."""
        llm = ""
        if self.uses_llm:
            where = "recorded run" if self.provider == "replay" else self.llm.shown_url
            llm = (f", model {self.llm.model} at {where}, budget {self.llm.max_calls} calls / "
                   f"{self.llm.max_tokens} tokens / ${self.llm.max_cost:.2f}")
            evolution = self.evolution
            if evolution.engine == "evolve" or evolution.optimize:
                llm += (f", evolve: population {evolution.population}, generations "
                        f"{evolution.generations}, seed {evolution.seed}")
        return (
            f"selfheal: provider {self.provider} ({self.provider_note}){llm}, mode {self.mode}, "
            f"workers {self.workers}, timeout {self.timeout_s:g}s per failure"
        )


@dataclass(frozen=True)
class EvolutionSettings:
    """The evolve engine's search shape and the speed measurement.

    :param optimize: ``module:function`` targets to make faster.
    """

    engine: str = "refine"
    population: int = 4
    generations: int = 3
    patience: int = 1
    timing_runs: int = 5
    noise_floor: float = 0.05
    seed: int = 0
    optimize: tuple[str, ...] = ()


@dataclass(frozen=True)
class LLMSettings:
    """How the LLM engine reaches its model and what it may spend.

    The API key is not here: it is read from the environment variable
    ``api_key_env`` when the client is made, so no settings object, report or log
    line can ever carry it.

    :param base_url: the endpoint, ``None`` for the SDK's default (api.openai.com).
    :param prices: model name to USD per million (input, output) tokens, added to
        and overriding the built-in table.
    :param replay_run: the run that ``--selfheal-provider replay`` replays, ``None``
        for the latest recorded one.
    """

    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    rounds: int = 3
    completions: int = 1
    max_calls: int = 40
    max_tokens: int = 500_000
    max_cost: float = 1.0
    request_timeout_s: float = 60.0
    prices: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    cache: bool = False
    replay_run: str | None = None

    @property
    def shown_url(self) -> str:
        """The base URL as it may be shown: any user:password in it is left out."""
        return without_credentials(self.base_url or OPENAI_DEFAULT_URL)


def without_credentials(url: str) -> str:
    """``url`` without the ``user:password@`` part and without the query string (where
    ``?api-key=`` would be), which must never be printed."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1], query=""))


@dataclass(frozen=True)
class RawValue:
    """An option's unvalidated value and where it came from (a flag, ini key or env var)."""

    value: str | None
    source: str
    #: The user set it (flag, ini key or environment); ``False`` for a default.
    given: bool = True


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
    llm = _llm_settings(raw, env, positive_int, positive_float)
    provider, note = _resolve_provider(provider, where("provider"), llm, raw, env)
    report = text("report")
    workers = positive_int("workers") if text("workers") is not None else os.cpu_count() or 1
    prefix = (text("branch-prefix") or "").strip()
    if not prefix or " " in prefix or prefix.startswith(("-", "/")) or ".." in prefix:
        raise SettingsError(
            f"{where('branch-prefix')} must be a valid git branch prefix such as 'selfheal/', "
            f"got {text('branch-prefix')!r}"
        )
    evolution = _evolution_settings(raw, positive_int)
    if evolution.optimize and provider not in ("openai", "replay"):
        raise SettingsError(
            f"{where('optimize')} needs an LLM endpoint to write faster code: set "
            "OPENAI_BASE_URL (or --selfheal-base-url) or OPENAI_API_KEY")
    return Settings(
        provider=provider,
        provider_note=note,
        mode=choice("mode", MODES),
        report_path=Path(report) if report else None,
        timeout_s=positive_float("timeout"),
        max_candidates=positive_int("max-candidates"),
        workers=workers,
        branch_prefix=prefix,
        network=choice("network", ("isolated", "shared")),
        evaluator=choice("evaluator", ("auto", "subprocess")),
        llm=llm,
        evolution=evolution,
    )


def _evolution_settings(raw: Mapping[str, RawValue],
                        positive_int: Callable[[str], int]) -> EvolutionSettings:
    def text(name: str) -> str:
        return (raw[name].value or "").strip()

    try:
        floor = float(text("noise-floor"))
    except ValueError:
        floor = math.nan
    if not 0 <= floor < 10:
        raise SettingsError(f"{raw['noise-floor'].source} must be a fraction such as '0.05' "
                            f"(5%), got {raw['noise-floor'].value!r}")
    try:
        seed = int(text("seed"))
    except ValueError as exc:
        raise SettingsError(f"{raw['seed'].source} must be an integer, got "
                            f"{raw['seed'].value!r}") from exc
    targets = tuple(t.strip() for t in text("optimize").split(",") if t.strip())
    for target in targets:
        module, _, function = target.partition(":")
        if not re.fullmatch(r"[A-Za-z_][\w.]*", module) or not re.fullmatch(
                r"[A-Za-z_][\w.]*", function):
            raise SettingsError(f"{raw['optimize'].source} must name module:function such as "
                                f"'shop.cart:total', got {target!r}")
    engine = text("engine")
    if engine not in ("refine", "evolve"):
        raise SettingsError(f"{raw['engine'].source} must be one of refine, evolve, got "
                            f"{raw['engine'].value!r}")
    return EvolutionSettings(
        engine=engine,
        population=positive_int("population"),
        generations=positive_int("generations"),
        patience=positive_int("patience"),
        timing_runs=positive_int("timing-runs"),
        noise_floor=floor,
        seed=seed,
        optimize=targets,
    )


def _llm_settings(
    raw: Mapping[str, RawValue],
    env: Mapping[str, str],
    positive_int: Callable[[str], int],
    positive_float: Callable[[str], float],
) -> LLMSettings:
    def text(name: str) -> str:
        return (raw[name].value or "").strip()

    model = text("model")
    if not model:
        raise SettingsError(f"{raw['model'].source} must name a model, got {raw['model'].value!r}")
    base_url = text("base-url") or env.get("OPENAI_BASE_URL", "").strip() or None
    if base_url is not None and urlsplit(base_url).scheme not in ("http", "https"):
        base_source = raw["base-url"].source if text("base-url") else "OPENAI_BASE_URL"
        raise SettingsError(
            f"{base_source} must be an http:// or https:// URL such as "
            f"'http://localhost:11434/v1', got {without_credentials(base_url)!r}"
        )
    key_env = text("api-key-env")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key_env):
        raise SettingsError(
            f"{raw['api-key-env'].source} must be the name of an environment variable such as "
            f"'OPENAI_API_KEY' (never the key itself), got a value of {len(key_env)} characters"
        )
    completions = positive_int("completions")
    if completions > 16:
        raise SettingsError(
            f"{raw['completions'].source} must be at most 16, got {raw['completions'].value!r}"
        )
    try:
        max_cost = float(text("max-cost"))
    except ValueError:
        max_cost = math.nan
    if not max_cost >= 0 or math.isinf(max_cost):
        raise SettingsError(f"{raw['max-cost'].source} must be a number of US dollars such as "
                            f"'2.50', got {raw['max-cost'].value!r}")
    cache = text("cache").lower()
    if cache not in (*_TRUE, *_FALSE, ""):
        raise SettingsError(f"{raw['cache'].source} must be true or false, got "
                            f"{raw['cache'].value!r}")
    return LLMSettings(
        model=model,
        base_url=base_url,
        api_key_env=key_env,
        rounds=positive_int("rounds"),
        completions=completions,
        max_calls=positive_int("max-llm-calls"),
        max_tokens=positive_int("max-tokens"),
        max_cost=max_cost,
        request_timeout_s=positive_float("llm-timeout"),
        prices=parse_prices(raw["prices"].value, raw["prices"].source),
        cache=cache in _TRUE,
        replay_run=text("replay-run") or None,
    )


def parse_prices(value: str | None, source: str) -> dict[str, tuple[float, float]]:
    """Parse ``'model=0.15/0.60, other=1/2'`` (USD per million input/output tokens)."""
    prices: dict[str, tuple[float, float]] = {}
    for entry in (value or "").replace(";", ",").split(","):
        if not entry.strip():
            continue
        model, _, pair = entry.partition("=")
        input_price, _, output_price = pair.partition("/")
        try:
            numbers = (float(input_price), float(output_price))
        except ValueError:
            numbers = (math.nan, math.nan)
        if not model.strip() or not all(n >= 0 and math.isfinite(n) for n in numbers):
            raise SettingsError(
                f"{source} must list model=INPUT/OUTPUT prices in USD per million tokens, "
                f"such as 'gpt-4o-mini=0.15/0.60', got {entry.strip()!r}"
            )
        prices[model.strip()] = numbers
    return prices


def _resolve_provider(
    provider: str, source: str, llm: LLMSettings, raw: Mapping[str, RawValue],
    env: Mapping[str, str],
) -> tuple[str, str]:
    """The engine that will run and why, shown in the report header."""
    configured = []
    if (raw["base-url"].value or "").strip():
        configured.append(raw["base-url"].source)
    elif env.get("OPENAI_BASE_URL", "").strip():
        configured.append("OPENAI_BASE_URL")
    if env.get(llm.api_key_env):
        configured.append(llm.api_key_env)
    if provider == "auto":
        if configured:
            return "openai", f"{' and '.join(configured)} set"
        return "offline", "no LLM endpoint configured"
    if provider == "openai" and not configured:
        raise SettingsError(
            f"{source} 'openai' needs an endpoint: set {llm.api_key_env} for api.openai.com, "
            "or OPENAI_BASE_URL (or --selfheal-base-url) for a local server such as Ollama"
        )
    return provider, f"chosen with {source}"
