"""The ``evolve`` engine: a population of the model's implementations, bred by fitness.

Generation 0 is seeded by the model through every prompt strategy, at a ladder of
temperatures. Each later generation draws parents by fitness (niche leaders first, a
penalty for parents with many children) and asks the model for mutations (one parent
and what it gets wrong, or, once it passes, a faster variant) and crossovers (two
parents and what each gets right), at a temperature that falls from exploration to
exploitation; offline single-edit mutants of the best near-miss join in. The healer
judges every candidate of a generation fully and times the correct ones
(:mod:`pytest_selfheal.engines._evolve.search`); the verdicts come back as feedback.

Lineage (parents, operator, strategy, temperature, generation) and the result of every
individual go to the project's store; after the evolution :meth:`EvolveEngine.finish`
scores the strategies and has the model rewrite the loser's prompt.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from pytest_selfheal._llm import LLMClient
from pytest_selfheal._llm.setup import make_client
from pytest_selfheal._settings import Settings
from pytest_selfheal._source.patches import diff_size, unified_diff
from pytest_selfheal._store import IndividualRow, PromptScore
from pytest_selfheal.engines._evolve import messages
from pytest_selfheal.engines._evolve.fitness import rank
from pytest_selfheal.engines._evolve.population import Individual, Population
from pytest_selfheal.engines._evolve.strategies import (
    Strategy,
    check_rewrite,
    cleaned,
    current,
    judge_trial,
    rewrite_messages,
)
from pytest_selfheal.engines._llm import Asking, LLMEngine
from pytest_selfheal.engines._offline import mutations
from pytest_selfheal.engines._refine.replies import CUT_OFF, ReplyScope, apply_reply
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.errors import (
    BudgetExhaustedError,
    EndpointError,
    LLMError,
    ReplyError,
    SourceError,
)
from pytest_selfheal.models import Candidate, Verdict

#: Offline mutants of the best near-miss added to a generation.
NEAR_MISS_MUTANTS: Final = 8
#: Temperatures: the hottest (generation 0, exploration) and the coolest (last).
HOTTEST: Final = 1.0
COOLEST: Final = 0.2


def temperature(generation: int, generations: int) -> float:
    """The schedule: from :data:`HOTTEST` at the first generation to :data:`COOLEST`."""
    if generations <= 1:
        return COOLEST
    share = min(1.0, generation / (generations - 1))
    return round(HOTTEST - (HOTTEST - COOLEST) * share, 2)


@dataclass(frozen=True)
class Lineage:
    """Where the answers to one request come from: the strategy and temperature it was
    asked with, its operator (``seed``, ``crossover``, ``mutation``) and the parents."""

    strategy: Strategy
    temperature: float
    operator: str
    parents: tuple[Individual, ...] = ()


@dataclass(frozen=True)
class Breeding:
    """The shape of an evolution.

    :param population: candidates the model is asked for per generation.
    :param generations: generations at most (generation 0 included).
    :param seed: seed of the evolution's random choices.
    """

    population: int
    generations: int
    seed: int = 0


class EvolveEngine(LLMEngine):
    """Proposes one generation per call of :meth:`propose`."""

    name = "evolve"
    #: The healer may hand this engine tasks for code that does not exist yet.
    implements_missing = True
    #: The healer judges every candidate of a round fully, times the correct ones and
    #: ranks them all, instead of stopping at the first that passes.
    judges_all = True

    def __init__(self, client: LLMClient | None, shape: Breeding, asking: Asking | None = None
                 ) -> None:
        super().__init__(client, asking or Asking())
        # ``None`` only together with ``unavailable``, which propose raises first.
        self.client: LLMClient = client  # type: ignore[assignment]
        self.size = shape.population
        self.generations = shape.generations
        self.seed = shape.seed
        self.population = Population(self.seed)
        self.strategies: list[Strategy] = []
        self.generation = -1
        self._codes: dict[int, str] = {}
        self._task_key = ""
        self._task: RepairTask | None = None
        #: Generations of the current task the model was asked for.
        self.generations_asked = 0
        #: Why replies of the current task were refused, the latest last: the next
        #: requests say it, so that the model can answer differently.
        self.refusals: list[str] = []

    # -- the healer's side ---------------------------------------------------------------

    def propose(self, task: RepairTask, feedback: Sequence[Verdict]) -> list[Candidate]:
        """The next generation; empty when the model has nothing (more) to give.

        :raises EndpointError: when the endpoint cannot serve the run at all.
        """
        self._available()
        if not feedback and task is not self._task:
            self._start(task)  # a new failure: a new population, from generation 0
        self._learn(feedback)
        self.generation += 1
        if self.generation >= self.generations:
            return []
        self.generations_asked = self.generation + 1
        made = self._seed(task) if self.generation == 0 else self._breed(task, feedback)
        self._count_calls()
        return made

    # -- one task ----------------------------------------------------------------------

    def _start(self, task: RepairTask) -> None:
        self._start_task()
        self.population = Population(self.seed)
        for source in task.sources.values():
            self.population.remember(source)
        self.strategies = current(self.client.store())
        self.generation = -1
        self._codes = {}
        self._task_key = str(task.suspects[0].function)
        self._task = task
        self.generations_asked = 0
        self.refusals = []

    def _learn(self, feedback: Sequence[Verdict]) -> None:
        store = self.client.store()
        for verdict in feedback:
            member = self.population.of(verdict.candidate)
            if member is None:
                continue
            first = member.verdict is None
            member.verdict = verdict  # later verdicts of it carry more timing samples
            if first and store is not None:
                store.record_individual(self.client.run_id, self._task_key, IndividualRow(
                    member.number, member.generation, member.parents, member.operator,
                    member.strategy, member.temperature, member.candidate.description,
                    verdict.passed, verdict.tests_passed, verdict.tests_total,
                    min(verdict.samples) if verdict.samples else None, verdict.reason))

    def _ask(self, task: RepairTask, request: list[dict[str, str]], lineage: Lineage,
             n: int = 1) -> list[Candidate]:
        """One request; its usable answers become new individuals."""
        strategy, temperature, operator = lineage.strategy, lineage.temperature, lineage.operator
        if self.stop_reason is not None:
            return []
        if self.refusals:
            # The model hears why its last refused answer could not be used.
            request = [*request[:-1], {**request[-1], "content": (
                f"{request[-1]['content']}\n\nAn earlier answer could not be used: "
                f"{self.refusals[-1]}")}]
        try:
            completion = self.client.complete(request, n=n, temperature=temperature,
                                              deadline=self._deadline)
        except EndpointError:
            raise
        except BudgetExhaustedError as exc:
            self.stop_reason = f"the LLM gave no more answers: {exc}"
            return []
        except LLMError:
            return []  # a flaky endpoint loses this request, not the evolution
        target = task.suspects[0].function
        scope = ReplyScope.of_task(task, self.test_files)
        made = []
        reasons = [*completion.finish_reasons, *[""] * len(completion.texts)]
        for text, reason in zip(completion.texts, reasons, strict=False):
            try:
                if reason == "length":
                    raise ReplyError(CUT_OFF)
                applied = apply_reply(text, scope)
            except ReplyError as exc:
                self.refusals.append(str(exc))
                continue
            verb = "implement" if task.missing is not None else operator
            candidate = Candidate(
                function=target, source=applied.source, operator=f"llm-{operator}",
                description=f"{self.model} {verb} of {target.qualname} (generation "
                            f"{self.generation}, {strategy.name}, temperature {temperature:g})",
                lineno=target.lineno, others=tuple(applied.others.items()))
            member = self.population.add(candidate, self.generation, operator,
                                         strategy=strategy.name, temperature=temperature,
                                         parents=lineage.parents)
            if member is not None:
                self._codes[member.number] = applied.code
                made.append(candidate)
        return made

    def _seed(self, task: RepairTask) -> list[Candidate]:
        """Generation 0: every strategy in turn, at temperatures from cool to hot."""
        requests = max(len(self.strategies), -(-self.size // self.completions))
        made: list[Candidate] = []
        for index in range(requests):
            strategy = self.strategies[index % len(self.strategies)]
            heat = round(COOLEST + (HOTTEST - COOLEST) * index / max(1, requests - 1), 2)
            made += self._ask(task, messages.seed_messages(task, strategy),
                              Lineage(strategy, heat, "seed"), n=self.completions)
        return made

    def _breed(self, task: RepairTask, feedback: Sequence[Verdict]) -> list[Candidate]:
        failing = [task.failure.nodeid] if task.goal == "repair" else []
        original = task.sources[task.suspects[0].function.path]
        ranked = rank([m.verdict for m in self.population.judged() if m.verdict is not None],
                      failing, lambda v: diff_size(unified_diff(
                          original, v.candidate.source, v.candidate.function.path)))
        if not ranked:
            self.stop_reason = "no answer of the model could be run"
            return []
        heat = temperature(self.generation, self.generations)
        parents = self.population.select(self.size, ranked)
        made: list[Candidate] = []
        for slot, parent in enumerate(parents):
            strategy = self._strategy_of(parent, slot)
            partner = next((p for p in parents if p.niche != parent.niche), None)
            if slot % 2 == 1 and partner is not None:
                request = messages.crossover_messages(task, strategy, [
                    (self._code(parent), _record(parent)), (self._code(partner), _record(partner))])
                made += self._ask(task, request,
                                  Lineage(strategy, heat, "crossover", (parent, partner)))
            else:
                assert parent.verdict is not None
                request = messages.mutation_messages(
                    task, strategy, self._code(parent),
                    parent.verdict.failure_text or parent.verdict.reason, parent.verdict.passed)
                made += self._ask(task, request, Lineage(strategy, heat, "mutation", (parent,)))
        made += self._near_miss_mutants(ranked, failing)
        return made

    def _strategy_of(self, parent: Individual, slot: int) -> Strategy:
        named = {s.name: s for s in self.strategies}
        return named.get(parent.strategy) or self.strategies[slot % len(self.strategies)]

    def _code(self, member: Individual) -> str:
        return self._codes.get(member.number, member.candidate.source)

    def _near_miss_mutants(self, ranked: Sequence[Verdict], failing: Sequence[str]
                           ) -> list[Candidate]:
        """Offline single edits of the best candidate that still fails."""
        near = next((v for v in ranked if not v.passed and not v.rejected and v.tests_passed), None)
        parent = None if near is None else self.population.of(near.candidate)
        if near is None or parent is None:
            return []
        function = parent.candidate.function
        made = []
        try:
            found = mutations(parent.candidate.source, function.qualname)
        except SourceError:
            return []  # a class or constant a test needs: no single edits of a function
        for mutation in found:
            candidate = Candidate(function=function, source=mutation.source,
                                  operator=mutation.operator,
                                  description=f"{mutation.description} in individual "
                                              f"{parent.number}", lineno=mutation.lineno,
                                  others=parent.candidate.others)
            if self.population.add(candidate, self.generation, mutation.operator,
                                   parents=(parent,)) is not None:
                made.append(candidate)
            if len(made) >= NEAR_MISS_MUTANTS:
                break
        return made

    # -- after the evolution -----------------------------------------------------------

    def finish(self, ranked: Sequence[Verdict], scores: Mapping[int, float]) -> str:
        """Score the strategies of this evolution and rewrite the loser's prompt.

        :param ranked: every judged candidate, best first.
        :param scores: ``id(candidate)`` to its fitness number.
        :returns: one line for the heal's notes (``""`` when there was no contest).
        """
        self._learn(ranked)  # the last generation's verdicts came after its propose
        best: dict[str, tuple[int, float]] = {}
        # By candidate: the verdicts in ``ranked`` carry the latest timing samples and
        # are not the objects this engine saw as feedback.
        place = {id(v.candidate): index for index, v in enumerate(ranked)}
        for member in self.population.judged():
            key = id(member.candidate)
            if not member.strategy or key not in place:
                continue
            entry = (place[key], scores.get(key, 0.0))
            if member.strategy not in best or entry[0] < best[member.strategy][0]:
                best[member.strategy] = entry
        named = {s.name: s for s in self.strategies}
        contenders = sorted((entry, name) for name, entry in best.items() if name in named)
        store = self.client.store()
        now = datetime.now().isoformat(timespec="seconds")
        notes: list[str] = []
        for position, ((_, score), name) in enumerate(contenders):
            if store is not None:
                store.add_prompt_score(PromptScore(name, named[name].version, self.client.run_id,
                                                   self._task_key, score, position == 0, now))
                if named[name].replaces is not None:
                    notes.append(judge_trial(named[name], score, store))
        if len(contenders) < 2 or store is None:
            return "; ".join(notes)
        # After the trials: the loser's prompt to rewrite is its current version.
        settled = {s.name: s for s in current(store)}
        winner, loser = named[contenders[0][1]], settled[contenders[-1][1]]
        if loser.replaces is not None:
            return "; ".join(notes)  # a rewrite of it is still waiting for its trial
        results = "\n".join(f"- {name} (version {named[name].version}): best candidate ranked "
                            f"{position + 1} of {len(ranked)}, fitness {score:.3f}"
                            for (position, score), name in contenders)
        try:
            completion = self.client.complete(rewrite_messages(winner, loser, results),
                                              temperature=0.7)
        except EndpointError:
            raise
        except LLMError as exc:
            return "; ".join([*notes, f"the {loser.name} prompt was not rewritten: {exc}"])
        finally:
            self._count_calls()
        text = cleaned(completion.texts[0]) if completion.texts else ""
        problem = check_rewrite(text)
        version = store.add_prompt_version(loser.name, text, now,
                                           f"rewritten after {self._task_key}, lost to "
                                           f"{winner.name} v{winner.version}")
        if problem:
            store.set_prompt_status(loser.name, version, "rejected", problem)
            notes.append(f"the model's rewrite of the {loser.name} prompt was rejected: "
                         f"{problem}; v{loser.version} stays current")
        else:
            store.set_prompt_status(loser.name, version, "probation",
                                    f"waiting for a trial against v{loser.version}")
            notes.append(f"prompt strategy {winner.name} won; {loser.name} was rewritten as "
                         f"version {version}, on probation until it scores at least as well "
                         f"as v{loser.version} in an evolution (selfheal prompts shows the "
                         "history)")
        return "; ".join(notes)


def _record(member: Individual) -> str:
    """What a parent gets right and wrong, in words, for a crossover request."""
    verdict = member.verdict
    if verdict is None:
        return ""
    right = [n for n, outcome in verdict.pattern if outcome == "passed"]
    wrong = [n for n, outcome in verdict.pattern if outcome != "passed"]
    text = f"It passes {len(right)} of {verdict.tests_total} tests"
    if right:
        text += f" ({', '.join(right[:5])})"
    if wrong:
        text += f"; it fails {', '.join(wrong[:5])}: {verdict.reason[:300]}"
    return text + "."


def make_evolve_engine(settings: Settings, root: Path, run_id: str,
                       test_files: Collection[str] = (), client: LLMClient | None = None,
                       env: Mapping[str, str] = os.environ) -> EvolveEngine:
    """The evolve engine of a run; ``client`` shares another engine's client and budget;
    ``env`` holds the API key."""
    unavailable = None
    if client is None:
        client, unavailable = make_client(settings, root, run_id, env)
    evolution = settings.evolution
    return EvolveEngine(
        client, Breeding(evolution.population, evolution.generations, evolution.seed),
        Asking(timeout_s=settings.timeout_s, completions=settings.llm.completions,
               test_files=tuple(test_files), unavailable=unavailable))
