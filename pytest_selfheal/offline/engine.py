"""The offline engine: single-edit mutants of the suspects, most likely fixes first."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_selfheal.engine import RepairTask
from pytest_selfheal.models import Candidate, Verdict
from pytest_selfheal.offline.mutants import mutations

#: How likely each kind of edit is to be the fix, before anything is learned.
OPERATOR_PRIOR = {
    "compare-swap": 1.0,
    "off-by-one": 0.9,
    "arith-swap": 0.8,
    "bool-swap": 0.8,
    "negate": 0.7,
    "drop-not": 0.7,
    "name-swap": 0.5,
}

#: Weight of a line that the failing test ran but no score was computed for.
UNSCORED_LINE = 0.1


class OfflineEngine:
    """Search-based repair without a model: every single edit, in one round."""

    name = "offline"

    def propose(self, task: RepairTask, feedback: Sequence[Verdict]) -> list[Candidate]:
        """All single-edit mutants of the suspects on the lines the failing test ran.

        Ordered by suspect score times line suspiciousness (a line of the traceback
        counts one more) times the operator's prior. A second round has nothing new.
        """
        if feedback:
            return []
        scored: list[tuple[float, int, Candidate]] = []
        for suspect in task.suspects:
            function = suspect.function
            key = str(function)
            executed = task.executed_lines.get(key)
            lines = None if executed is None else executed | set(suspect.lines)
            scores = task.line_scores.get(key, {})
            for mutation in mutations(task.sources[function.path], function.qualname,
                                      lines=lines):
                line_score = scores.get(mutation.lineno, UNSCORED_LINE)
                if mutation.lineno in suspect.lines:
                    line_score += 1.0
                weight = suspect.score * line_score * OPERATOR_PRIOR.get(mutation.operator, 0.5)
                candidate = Candidate(function=function, source=mutation.source,
                                      operator=mutation.operator,
                                      description=mutation.description, lineno=mutation.lineno)
                scored.append((-weight, len(scored), candidate))
        scored.sort(key=lambda entry: entry[:2])
        return [candidate for _, _, candidate in scored]
