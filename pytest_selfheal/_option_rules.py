"""Options that only matter together with another one: implied, refused, or named.

No option is silently ignored. The evolve engine's search shape (population,
generations, patience, timing runs, noise floor, seed) chooses the evolve engine when
no engine was chosen; when refine was chosen explicitly, the header says that failures
are healed without them and names ``--selfheal-engine evolve`` (optimizations, which
``selfheal_optimize`` markers may ask for after collection, still use them). Options
that cannot matter in the run as configured (LLM options with no endpoint, ``rounds``
with the evolve engine, a replay run without replay) are named at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Final

from pytest_selfheal._options import RawValue
from pytest_selfheal._settings import Settings

#: Options that shape the evolve engine's search (and the optimisation's).
EVOLVE_OPTIONS: Final = ("population", "generations", "patience", "timing-runs",
                         "noise-floor", "seed")
#: Options that only an LLM engine reads.
LLM_OPTIONS: Final = ("model", "rounds", "completions", "max-llm-calls", "max-tokens",
                      "max-cost", "llm-timeout", "prices", "cache", "engine", "api-key-env")


def with_option_rules(settings: Settings, raw: Mapping[str, RawValue]) -> Settings:
    """``settings`` with the engine the options imply and notes on the ones without effect."""
    given = [name for name in EVOLVE_OPTIONS if raw[name].given]
    shown = ", ".join(raw[name].source for name in given)
    evolution = settings.evolution
    notes: list[str] = []
    if not settings.uses_llm:
        notes += [f"{raw[name].source} has no effect: the offline engine runs "
                  f"({settings.provider_note})"
                  for name in (*LLM_OPTIONS, *EVOLVE_OPTIONS) if raw[name].given]
    elif given and evolution.engine != "evolve" and not evolution.optimize:
        if raw["engine"].given:
            # Not an error: selfheal_optimize markers, found only after collection, run
            # the evolve engine with these options whatever heals the failures.
            notes.append(f"{shown} only shape{'s' if len(given) == 1 else ''} the evolve "
                         f"engine, and {raw['engine'].source} chose {evolution.engine!r}: "
                         "failures are healed without them (use --selfheal-engine evolve); "
                         "optimizations use them")
            return replace(settings, notes=(*settings.notes, *notes))
        evolution = replace(evolution, engine="evolve")
        notes.append(f"{shown} given: the evolve engine runs (as with --selfheal-engine "
                     "evolve)")
    if settings.uses_llm and evolution.engine == "evolve" and raw["rounds"].given:
        notes.append(f"{raw['rounds'].source} has no effect: it counts the refine engine's "
                     "rounds, and the evolve engine runs (--selfheal-generations bounds it)")
    if raw["replay-run"].given and settings.provider != "replay":
        notes.append(f"{raw['replay-run'].source} has no effect without "
                     "--selfheal-provider replay")
    return replace(settings, evolution=evolution, notes=(*settings.notes, *notes))
