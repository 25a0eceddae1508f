"""The offline engine: single edits of the suspects, likeliest first, then pairs.

The single edits of the suspects on the lines the failing test ran, deduplicated on
the normalized AST, are ordered by suspect score x line suspiciousness x the
operator's success rate in this project
(:mod:`~pytest_selfheal.engines._offline.rates`), and handed out in batches by
:class:`~pytest_selfheal.engines._offline.schedule.Schedule`, with pairs of edits.
Nothing here imports pytest.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

from pytest_selfheal.engines._offline.mutants import PlannedMutation, planned_mutations
from pytest_selfheal.engines._offline.ranked import Maker, RankedEdits, Weighted
from pytest_selfheal.engines._offline.rates import OperatorRates
from pytest_selfheal.engines._offline.schedule import Schedule
from pytest_selfheal.engines.base import Engine, RepairTask
from pytest_selfheal.models import Candidate, Suspect, Verdict

#: How likely a candidate of each kind of edit is to be the fix, before anything is
#: learned. Operators that make many candidates per line (names, attributes, copied
#: statements, extra clauses) get less per candidate.
OPERATOR_PRIOR = {
    "compare-swap": 1.0,
    "call-swap": 1.0,
    "off-by-one": 0.9,
    "bool-swap": 0.9,
    "jump-swap": 0.9,
    "arith-swap": 0.8,
    "negate": 0.7,
    "drop-not": 0.7,
    "tuple-swap": 0.7,
    "argument-swap": 0.6,
    "method-swap": 0.6,
    "unwrap-call": 0.6,
    "insert-guard": 0.6,
    "name-swap": 0.5,
    "wrap-call": 0.5,
    "return-swap": 0.5,
    "keep-best": 0.5,
    "count-shift": 0.5,
    "attribute-swap": 0.4,
    "delete-statement": 0.4,
    "condition-clause": 0.35,
    "copy-statement": 0.25,
    "loop-condition": 0.9,
    "add-slice": 0.4,
    "compare-shift": 0.3,
}

#: Weight of a line that the failing test ran but no score was computed for.
UNSCORED_LINE = 0.1


class OfflineEngine(Engine):
    """Search-based repair without a model.

    :param root: the project's rootdir, in whose ``.selfheal`` directory operator
        success rates are learned across runs; ``None`` learns for this process only.
    """

    name = "offline"

    def __init__(self, root: Path | None = None) -> None:
        self.rates = OperatorRates(root, OPERATOR_PRIOR)
        self._schedules: dict[int, Schedule] = {}

    def propose(self, task: RepairTask, feedback: Sequence[Verdict]) -> list[Candidate]:
        """Single edits in growing batches, near-miss pairs as soon as they show, then
        the remaining pairs (see :mod:`~pytest_selfheal.engines._offline.schedule`); then
        nothing."""
        key = id(task)
        if not feedback:
            self._schedules[key] = Schedule(dict(task.sources), self._single_edits(task))
        schedule = self._schedules.get(key)
        if schedule is None:
            return []
        batch = schedule.next_batch(feedback)
        if not batch:
            del self._schedules[key]
        return batch

    def record(self, task: RepairTask, verdicts: Sequence[Verdict]) -> None:
        """Learn from a finished heal: which operators were tried, which one won."""
        winner = next((v.candidate.operator for v in verdicts if v.passed), None)
        self.rates.record((v.candidate.operator for v in verdicts
                           if not v.rejected and "+" not in v.candidate.operator), winner)
        self._schedules.pop(id(task), None)

    def save(self) -> None:
        """Keep what this session learned for the next one (called when it ends)."""
        self.rates.save()

    def _single_edits(self, task: RepairTask) -> RankedEdits:
        # mutations() already leaves out edits that make the same function twice.
        rates: Mapping[str, float] = {name: self.rates.rate(name) for name in OPERATOR_PRIOR}
        # No operator's rate is above the best known one or an unknown operator's.
        best_rate = max([*rates.values(), self.rates.rate("")])

        def maker(suspect: Suspect) -> Maker:
            function = suspect.function
            key = str(function)
            executed = task.executed_lines.get(key)
            lines = None if executed is None else executed | set(suspect.lines)
            scores = task.line_scores.get(key, {})

            def write(planned: PlannedMutation) -> Candidate | None:
                mutation = planned.render()
                if mutation is None:
                    return None
                return Candidate(function=function, source=mutation.source,
                                 operator=mutation.operator, description=mutation.description,
                                 lineno=mutation.lineno)

            def make() -> Weighted:
                edits: Weighted = []
                for planned in planned_mutations(task.sources[function.path],
                                                 function.qualname, lines=lines):
                    line_score = scores.get(planned.lineno, UNSCORED_LINE)
                    if planned.lineno in suspect.lines:
                        line_score += 1.0
                    rate = rates.get(planned.operator) or self.rates.rate(planned.operator)
                    edits.append((suspect.score * line_score * rate,
                                  functools.partial(write, planned)))
                return edits

            best_line = max([*scores.values(), UNSCORED_LINE]) + (1.0 if suspect.lines else 0.0)
            return Maker(key, suspect.score * best_line * best_rate, make)

        return RankedEdits([maker(suspect) for suspect in task.suspects])
