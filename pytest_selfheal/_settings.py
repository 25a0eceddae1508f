"""Validated, frozen settings of one pytest-selfheal run.

:mod:`~pytest_selfheal._options` lists the options and parses each; here their values
become :class:`Settings`, with the checks that span several options (which engine
``auto`` means, what optimizing needs). Everything below the plugin reads
:class:`Settings` and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from pytest_selfheal._inifile import ini_values
from pytest_selfheal._options import (
    OPTIONS,
    ExecutorAddress,
    RawValue,
    branch_prefix,
    resolve_raw,
)
from pytest_selfheal.errors import SettingsError

#: Where the OpenAI SDK sends requests when no base URL is configured.
OPENAI_DEFAULT_URL: Final = "https://api.openai.com/v1"


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
    #: The Dask scheduler that judges candidates, ``None`` for this machine.
    executor: ExecutorAddress | None = None
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
        workers = (f"executor {self.executor.url}" if self.executor is not None
                   else f"workers {self.workers}")
        return (
            f"selfheal: provider {self.provider} ({self.provider_note}){llm}, mode {self.mode}, "
            f"{workers}, timeout {self.timeout_s:g}s per failure"
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


def from_raw(raw: Mapping[str, RawValue], env: Mapping[str, str] = os.environ) -> Settings:
    """Validate raw option values into :class:`Settings`, each with its option's parser.

    :param env: the environment, consulted to say why ``auto`` chose its engine.
    :raises SettingsError: naming the flag (or ini key, or environment variable) that
        held the bad value, the value, and how to fix it.
    """
    value = {option.name: option.read(raw[option.name]) for option in OPTIONS}
    llm = LLMSettings(
        model=value["model"],
        base_url=_base_url(raw["base-url"], env),
        api_key_env=value["api-key-env"],
        rounds=value["rounds"],
        completions=value["completions"],
        max_calls=value["max-llm-calls"],
        max_tokens=value["max-tokens"],
        max_cost=value["max-cost"],
        request_timeout_s=value["llm-timeout"],
        prices=value["prices"],
        cache=value["cache"],
        replay_run=value["replay-run"] or None,
    )
    provider, note = _resolve_provider(value["provider"], raw["provider"].source, llm, raw, env)
    evolution = EvolutionSettings(
        engine=value["engine"],
        population=value["population"],
        generations=value["generations"],
        patience=value["patience"],
        timing_runs=value["timing-runs"],
        noise_floor=value["noise-floor"],
        seed=value["seed"],
        optimize=value["optimize"],
    )
    if evolution.optimize and provider not in ("openai", "replay"):
        raise SettingsError(
            f"{raw['optimize'].source} needs an LLM endpoint to write faster code: set "
            "OPENAI_BASE_URL (or --selfheal-base-url) or OPENAI_API_KEY")
    return Settings(
        provider=provider,
        provider_note=note,
        mode=value["mode"],
        report_path=value["report"],
        timeout_s=value["timeout"],
        max_candidates=value["max-candidates"],
        workers=value["workers"] or os.cpu_count() or 1,
        branch_prefix=value["branch-prefix"],
        network=value["network"],
        evaluator=value["evaluator"],
        executor=value["executor"],
        llm=llm,
        evolution=evolution,
    )


def branch_prefix_in(directory: Path, env: Mapping[str, str] = os.environ) -> str:
    """The branch prefix ``pytest --selfheal`` started in ``directory`` would use: the
    ``selfheal_branch_prefix`` key of pytest's ini file, else the environment, else the
    default.

    :raises SettingsError: when the value found is not a branch prefix.
    """
    ini = ini_values(directory)
    raw = resolve_raw({}, {option.name: ini.get(option.ini_key) for option in OPTIONS}, env)
    return branch_prefix(raw["branch-prefix"])


def _base_url(raw: RawValue, env: Mapping[str, str]) -> str | None:
    """The endpoint: the option's, else ``OPENAI_BASE_URL``, else ``None`` (the SDK's)."""
    base_url = raw.text or env.get("OPENAI_BASE_URL", "").strip() or None
    if base_url is not None and urlsplit(base_url).scheme not in ("http", "https"):
        source = raw.source if raw.text else "OPENAI_BASE_URL"
        raise SettingsError(
            f"{source} must be an http:// or https:// URL such as "
            f"'http://localhost:11434/v1', got {without_credentials(base_url)!r}"
        )
    return base_url


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
