"""Which tests a candidate fix must pass, and which of them the search never sees."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from pytest_selfheal._evaluate import Workload
from pytest_selfheal._heal.affected import Entries
from pytest_selfheal._heal.localize import Spectrum
from pytest_selfheal.models import Candidate, Failure, Suspect


@dataclass(frozen=True)
class Selection:
    """The tests of one heal.

    :param searched: the tests the search judges candidates by: the failing test first,
        then tests that exercise a suspect and passed before, fastest first.
    :param held_out: covering tests the search never runs before a candidate passed
        every searched one: they tell a fix of the intent from one that fits the tests.
    :param siblings: other tests that failed and ran the top suspect; they most often
        fail for the same bug, so a fix that repairs them too is preferred.
    :param workload: the searched and held-out tests, with what they cost on the
        unchanged code and the heal's deadline: what the winner is verified on.
    """

    searched: Mapping[str, str]
    held_out: Mapping[str, str]
    siblings: Mapping[str, str]
    workload: Workload
    #: Every test localization measured, whether or not it ran a suspect.
    measured: frozenset[str] = frozenset()
    #: What those tests entered: which of them a candidate can change.
    entries: Entries | None = field(default=None, compare=False)

    def unchanged_by(self, candidate: Candidate) -> frozenset[str]:
        """The tests ``candidate`` cannot change the outcome of (:mod:`~pytest_selfheal.
        _heal.affected`)."""
        return frozenset() if self.entries is None else self.entries.unchanged_by(candidate)

    @property
    def seen(self) -> frozenset[str]:
        """Every test localization measured or a fix is judged on."""
        return self.measured | frozenset(self.workload.expected)

    @property
    def required(self) -> int:
        """How many tests, first in :meth:`search_workload`, a fix must pass."""
        return len(self.searched) + len(self.held_out)

    def without(self, nodeids: Collection[str]) -> Selection:
        """This selection less ``nodeids``, wherever they were."""
        def kept(tests: Mapping[str, str]) -> dict[str, str]:
            return {n: o for n, o in tests.items() if n not in nodeids}
        return replace(self, searched=kept(self.searched), held_out=kept(self.held_out),
                       siblings=kept(self.siblings), workload=self.workload.without(nodeids))

    def search_workload(self) -> Workload:
        """What a candidate's child runs, stopping at the first failure: the searched
        tests, then the held-out ones, then the siblings."""
        return replace(self.workload,
                       expected={**self.searched, **self.held_out, **self.siblings})


@dataclass(frozen=True)
class Baseline:
    """How the tests did on the unchanged code, before the search.

    :param outcomes: node id to its outcome, the failing test's excepted.
    :param durations: node id to the seconds it took.
    """

    outcomes: Mapping[str, str]
    durations: Mapping[str, float]
    #: Seconds after which a test that hangs was cut off in the session, when known.
    cut_at: Mapping[str, float] = field(default_factory=dict)


def select(failure: Failure, suspects: Sequence[Suspect], spectrum: Spectrum,
           baseline: Baseline, deadline: float,
           read_source: Callable[[str], str] | None = None) -> Selection:
    """The tests a candidate must pass: the failing test first, then every test that
    exercises a suspect and passed before, fastest first; some of them held out."""
    before, durations = baseline.outcomes, baseline.durations
    covering = {
        nodeid
        for suspect in suspects
        for nodeid in spectrum.tests_running(suspect.function)
        if before.get(nodeid) in ("passed", "skipped")
    }
    expected = {failure.nodeid: "passed"}
    expected.update((nodeid, before[nodeid]) for nodeid in
                    sorted(covering - {failure.nodeid}, key=lambda n: durations.get(n, 0.0)))
    searched, held_out = hold_out(expected)
    siblings = {nodeid: "passed"
                for nodeid in spectrum.tests_running(suspects[0].function)
                if nodeid != failure.nodeid and before.get(nodeid) == "failed"}
    entries = (None if read_source is None else
               Entries(spectrum, read_source, frozenset({failure.nodeid, *siblings})))
    return Selection(searched, held_out, siblings,
                     Workload(expected, durations, deadline, baseline.cut_at),
                     frozenset({*spectrum.coverage, *spectrum.reached}), entries)


def hold_out(expected: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Split the tests a fix must pass into those the search runs and those it never
    sees, which only judge its winner.

    The failing test (first) is always searched; of the other covering tests every
    third one, and at least one when there are two or more, is held out. With fewer,
    nothing is held out and a fix can only be called plausible.
    """
    nodeids = list(expected)
    others = nodeids[1:]
    held = set(others[2::3]) if len(others) >= 3 else set(others[1:2])
    searched = {n: expected[n] for n in nodeids if n not in held}
    return searched, {n: expected[n] for n in nodeids if n in held}
