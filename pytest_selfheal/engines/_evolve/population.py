"""The population of one evolution: individuals with their lineage, niches, selection.

Every candidate the evolution tried is an :class:`Individual` tagged with how it was
made (its parents, the operator or prompt, the strategy and temperature, the
generation). Candidates whose code is the same once parsed (formatting, comments and
docstrings aside) are one individual: the second copy is never judged.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_selfheal.models import Candidate, Verdict


def normalized(source: str) -> str:
    """The module's AST without docstrings, formatting or comments: the identity of a
    candidate. Unparsable text is its own identity."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


@dataclass
class Individual:
    """One candidate of the evolution and where it came from.

    :param operator: ``seed``, ``mutation``, ``crossover`` or an offline operator name.
    :param strategy: the system-prompt strategy that wrote it (``""`` for offline mutants).
    :param parents: the ``number`` of each parent.
    """

    number: int
    candidate: Candidate
    generation: int
    operator: str
    strategy: str = ""
    temperature: float | None = None
    parents: tuple[int, ...] = ()
    verdict: Verdict | None = None
    children: int = 0

    @property
    def niche(self) -> tuple[tuple[str, str], ...]:
        """The pass/fail pattern over the selected tests: individuals that get the same
        tests right compete with each other, not with the rest."""
        return self.verdict.pattern if self.verdict is not None else ()


@dataclass
class Population:
    """Every individual of one evolution, deduplicated by normalized code."""

    seed: int = 0
    members: list[Individual] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set)
    _by_candidate: dict[int, Individual] = field(default_factory=dict)
    chance: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.chance = random.Random(self.seed)

    def remember(self, source: str) -> None:
        """Count ``source`` as seen (the original code), so no candidate repeats it."""
        self._keys.add(normalized(source))

    def add(self, candidate: Candidate, generation: int, operator: str, *, strategy: str = "",
            temperature: float | None = None, parents: Sequence[Individual] = ()
            ) -> Individual | None:
        """Add a new individual; ``None`` when the same code is already in the population."""
        key = normalized(candidate.source)
        if key in self._keys:
            return None
        self._keys.add(key)
        individual = Individual(len(self.members) + 1, candidate, generation, operator,
                                strategy, temperature, tuple(p.number for p in parents))
        for parent in parents:
            parent.children += 1
        self.members.append(individual)
        self._by_candidate[id(candidate)] = individual
        return individual

    def of(self, candidate: Candidate) -> Individual | None:
        """The individual of a candidate this population made."""
        found = self._by_candidate.get(id(candidate))
        return found if found is not None and found.candidate is candidate else None

    def judged(self) -> list[Individual]:
        return [m for m in self.members if m.verdict is not None and not m.verdict.rejected]

    def select(self, count: int, ranked: Sequence[Verdict]) -> list[Individual]:
        """Draw ``count`` parents (with repeats when there are few).

        Each niche's best comes first in turn, so one early winner does not crowd out
        the others; within that, the chance of a parent falls with its rank and with the
        children it already has.
        """
        place = {id(v): index for index, v in enumerate(ranked)}
        pool = [m for m in self.judged() if m.verdict is not None and id(m.verdict) in place]
        if not pool:
            return []
        niches: dict[tuple[tuple[str, str], ...], list[Individual]] = {}
        for member in sorted(pool, key=lambda m: place[id(m.verdict)]):
            niches.setdefault(member.niche, []).append(member)
        weights = {}
        for members in niches.values():
            for within, member in enumerate(members):
                weights[member.number] = 1.0 / (1 + within) / (1 + member.children)
        chosen: list[Individual] = []
        leaders = sorted((members[0] for members in niches.values()),
                         key=lambda m: (1 + place[id(m.verdict)]) * (1 + m.children))
        for leader in leaders[:count]:
            chosen.append(leader)
        while len(chosen) < count:
            chosen.append(self.chance.choices(pool, [weights[m.number] for m in pool])[0])
        return chosen
