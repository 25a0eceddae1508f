"""The ``refine`` engine: ask a model, test its answer, feed the failure back, repeat.

Self-Refine / Reflexion for one failure: each round sends the failure, the suspect
code and the history of earlier attempts (the code and the failure it produced, or
the reason the reply was refused) and turns the replies into candidates. The healer
judges them through the same evaluation layer as the offline engine; the next round
sees the verdicts. Offline single-edit mutants of the model's best near-miss join the
next round, so an answer that is one comparison away from right still gets there.

The engine talks to the model only through :class:`~pytest_selfheal._llm.LLMClient`.
An endpoint that cannot serve the run (wrong key, unknown model, unreachable URL)
raises its :class:`~pytest_selfheal.errors.EndpointError` out of :meth:`propose`, so
the heal ends with that one line and every later one fails at once; a spent budget
or a flaky endpoint ends the heal with :attr:`RefineEngine.stop_reason`.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Final

from pytest_selfheal._llm import LLMClient
from pytest_selfheal._settings import Settings
from pytest_selfheal.engines._llm import Asking, LLMEngine
from pytest_selfheal.engines._offline import mutations
from pytest_selfheal.engines._refine.prompts import Attempt, implement_messages, repair_messages
from pytest_selfheal.engines._refine.replies import CUT_OFF, ReplyScope, apply_reply
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.errors import (
    BudgetExhaustedError,
    EndpointError,
    LLMError,
    ReplyError,
)
from pytest_selfheal.models import Candidate, FunctionRef, Verdict

#: Offline mutants of a near-miss that join the next round, most likely first.
NEAR_MISS_MUTANTS: Final = 40
#: Temperature of the first round; later rounds explore a little more.
TEMPERATURES: Final = (0.0, 0.4, 0.7)


class RefineEngine(LLMEngine):
    """Proposes the model's fixes round by round, learning from each round's failures.

    :param client: the model; ``None`` with ``asking.unavailable`` when it could not be
        set up.
    :param rounds: requests to the model per task at most.
    """

    name = "refine"
    #: The healer may hand this engine tasks for code that does not exist yet.
    implements_missing = True

    def __init__(self, client: LLMClient | None, rounds: int, asking: Asking | None = None
                 ) -> None:
        super().__init__(client, asking or Asking())
        self.rounds = rounds
        self._history: list[Attempt] = []
        #: The model's candidates of this task (kept alive, so their ids stay theirs)
        #: with the code each was made from.
        self._codes: dict[int, tuple[Candidate, str]] = {}
        self._seen: set[str] = set()
        self._judged = 0
        self._round = 0
        self._last_error = ""

    def propose(self, task: RepairTask, feedback: Sequence[Verdict]) -> list[Candidate]:
        """The next round's candidates: the model's answers, then near-miss mutants.

        :raises EndpointError: when the endpoint cannot serve the run at all.
        """
        self._available()
        if not feedback:
            self._start(task)
        new = feedback[self._judged:]
        self._judged = len(feedback)
        self._learn(new)
        mutants = self._near_miss_mutants(task, new)
        while self._round < self.rounds:
            self._round += 1
            candidates = self._ask(task)
            if candidates is None:
                return mutants
            if candidates or mutants:
                return candidates + mutants
            # Every reply was refused: ask again at once, with the reasons in the history.
        last = f"; last error: {self._last_error}" if self._last_error else ""
        self.stop_reason = (f"{self.rounds} LLM rounds gave no passing fix "
                            f"(raise --selfheal-rounds){last}")
        return mutants

    # -- one task ----------------------------------------------------------------------

    def _start(self, task: RepairTask) -> None:
        self._start_task()
        self._history = []
        self._codes = {}
        self._seen = set(task.sources.values())
        self._judged = 0
        self._round = 0
        self._last_error = ""

    def _learn(self, verdicts: Sequence[Verdict]) -> None:
        """Add how the model's candidates did to the history the next prompt carries."""
        for verdict in verdicts:
            if not self._is_models(verdict.candidate):
                continue  # an offline mutant: the model did not write it
            code = self._codes[id(verdict.candidate)][1]
            outcome = verdict.failure_text or verdict.reason
            self._history.append(Attempt(code=code, outcome=outcome, rejected=verdict.rejected))

    def _is_models(self, candidate: Candidate) -> bool:
        entry = self._codes.get(id(candidate))
        return entry is not None and entry[0] is candidate

    def _messages(self, task: RepairTask) -> list[dict[str, str]]:
        if task.missing is not None:
            return implement_messages(task.failure, task.missing,
                                      task.sources[task.missing.path], self._history)
        return repair_messages(task.failure, task.suspects, task.sources, task.line_scores,
                               self._history)

    def _ask(self, task: RepairTask) -> list[Candidate] | None:
        """One request; ``None`` when the model can no longer be asked for this task."""
        assert self.client is not None
        temperature = TEMPERATURES[min(self._round - 1, len(TEMPERATURES) - 1)]
        try:
            completion = self.client.complete(self._messages(task), n=self.completions,
                                              temperature=temperature,
                                              deadline=self._deadline)
        except EndpointError:
            raise
        except BudgetExhaustedError as exc:
            self.stop_reason = f"the LLM gave no answer: {exc}"
            return None
        except LLMError as exc:
            # Rate limits, 5xx, malformed replies that outlasted the retries: this round
            # is lost, the next one may get through.
            self._last_error = str(exc)
            return []
        finally:
            self._count_calls()
        target = task.suspects[0].function
        is_new = task.missing is not None
        scope = ReplyScope.of_task(task, self.test_files)
        candidates = []
        reasons = [*completion.finish_reasons, *[""] * len(completion.texts)]
        for index, text in enumerate(completion.texts, start=1):
            try:
                if reasons[index - 1] == "length":
                    raise ReplyError(CUT_OFF)
                applied = apply_reply(text, scope)
            except ReplyError as exc:
                self._history.append(Attempt(code=text, outcome=str(exc), rejected=True))
                continue
            if applied.source in self._seen:
                self._history.append(Attempt(code=applied.code, rejected=True,
                                             outcome="the code is the same as the current code "
                                             "or an earlier attempt; change something"))
                continue
            self._seen.add(applied.source)
            verb = "implement" if is_new else "rewrite"
            candidate = Candidate(
                function=target, source=applied.source, operator=f"llm-{applied.shape}",
                description=f"{self.model} {verb} of {target.qualname} (round {self._round}"
                            f"{f', answer {index}' if len(completion.texts) > 1 else ''})",
                lineno=target.lineno, others=tuple(applied.others.items()))
            self._codes[id(candidate)] = (candidate, applied.code)
            candidates.append(candidate)
        return candidates

    def _near_miss_mutants(self, task: RepairTask, verdicts: Sequence[Verdict]) -> list[Candidate]:
        """Single edits of the best answer of the last round that ran and failed."""
        ran = [v for v in verdicts if self._is_models(v.candidate) and not v.rejected
               and not v.passed]
        if not ran or task.missing is not None:
            return []
        best = max(ran, key=lambda v: v.tests_passed)
        function: FunctionRef = best.candidate.function
        found = []
        for mutation in mutations(best.candidate.source, function.qualname):
            if mutation.source in self._seen:
                continue
            self._seen.add(mutation.source)
            found.append(Candidate(
                function=function, source=mutation.source, operator=mutation.operator,
                description=f"{mutation.description} in the model's round-{self._round} answer",
                lineno=mutation.lineno, others=best.candidate.others))
            if len(found) >= NEAR_MISS_MUTANTS:
                break
        return found


def make_refine_engine(
    settings: Settings,
    root: Path,
    run_id: str,
    test_files: Collection[str] = (),
    env: Mapping[str, str] = os.environ,
) -> RefineEngine:
    """The refine engine of a run, talking to the endpoint or replaying a recorded run."""
    from pytest_selfheal._llm.setup import make_client

    llm = settings.llm
    client, unavailable = make_client(settings, root, run_id, env)
    return RefineEngine(client, llm.rounds, Asking(
        timeout_s=settings.timeout_s, completions=llm.completions, test_files=tuple(test_files),
        unavailable=unavailable))
