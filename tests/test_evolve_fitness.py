"""Ranking a population: correctness first, then speed above the noise floor, then the
smaller diff; deduplication, selection and the terminal sparkline.

Pure functions over hand-made verdicts: the timings here are numbers in records, not
measurements, so nothing depends on the machine.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_selfheal._evaluate.equality import OutputWatch, original_function
from pytest_selfheal._reports.report import sparkline
from pytest_selfheal.engines._evolve.engine import temperature
from pytest_selfheal.engines._evolve.fitness import Speed, is_faster, rank, speedup
from pytest_selfheal.engines._evolve.population import Population, normalized
from pytest_selfheal.models import Candidate, FunctionRef, Verdict

FUNCTION = FunctionRef("src/m.py", "f", 1, 2)
FAILING = ["tests/test_m.py::test_bug"]
TESTS = [*FAILING, "tests/test_m.py::test_other"]


def verdict(name: str, passed: tuple[str, ...], samples: tuple[float, ...] = ()) -> Verdict:
    candidate = Candidate(FUNCTION, f"def f():\n    return {name!r}\n", "llm", name, 1)
    pattern = tuple((n, "passed" if n in passed else "failed") for n in TESTS)
    return Verdict(candidate, len(passed) == len(TESTS), "passed", len(passed), len(TESTS),
                   sum(samples), pattern=pattern, samples=samples)


def names(ranked: list[Verdict]) -> list[str]:
    return [v.candidate.description for v in ranked]


def by_size(sizes: dict[str, int]) -> Callable[[Verdict], int]:
    return lambda v: sizes[v.candidate.description]


def test_a_candidate_that_passes_beats_a_faster_one_that_fails() -> None:
    fails = verdict("fails", (TESTS[1],), (0.001,))
    slow = verdict("slow", tuple(TESTS), (1.0, 1.1))
    assert names(rank([fails, slow], FAILING, by_size({"fails": 1, "slow": 9}))) == [
        "slow", "fails"]


def test_fixing_the_failing_test_counts_before_the_pass_rate() -> None:
    keeps_old = verdict("keeps-old", (TESTS[1],))
    fixes_bug = verdict("fixes-bug", (TESTS[0],))
    assert names(rank([keeps_old, fixes_bug], FAILING, by_size({"keeps-old": 1,
                                                                "fixes-bug": 1}))) == [
        "fixes-bug", "keeps-old"]


def test_faster_by_more_than_the_noise_floor_wins_over_a_smaller_diff() -> None:
    big_fast = verdict("big-fast", tuple(TESTS), (0.010, 0.012))
    small_slow = verdict("small-slow", tuple(TESTS), (0.100, 0.101))
    ranked = rank([small_slow, big_fast], FAILING, by_size({"big-fast": 30, "small-slow": 2}))
    assert names(ranked) == ["big-fast", "small-slow"]


def test_within_the_noise_floor_the_smaller_diff_wins() -> None:
    big = verdict("big", tuple(TESTS), (0.100, 0.120))
    small = verdict("small", tuple(TESTS), (0.103, 0.110))  # 3% slower: noise
    ranked = rank([big, small], FAILING, by_size({"big": 30, "small": 2}))
    assert names(ranked) == ["small", "big"]
    # A wider floor is what a user sets on a noisy machine; a zero floor trusts every
    # difference.
    assert names(rank([big, small], FAILING, by_size({"big": 30, "small": 2}),
                      noise_floor=0.0)) == ["big", "small"]


def test_a_correct_candidate_that_could_not_be_timed_ranks_after_timed_ones() -> None:
    untimed = verdict("untimed", tuple(TESTS))
    timed = verdict("timed", tuple(TESTS), (5.0,))
    assert names(rank([untimed, timed], FAILING, by_size({"untimed": 1, "timed": 50}))) == [
        "timed", "untimed"]


def test_speedup_is_reported_from_minima_and_medians_with_the_spread() -> None:
    baseline = Speed((1.0, 1.2, 2.0))
    candidate = Speed((0.1, 0.11, 0.5))
    best, median = speedup(baseline, candidate)
    assert best == pytest.approx(10.0)
    assert median == pytest.approx(1.2 / 0.11)
    assert candidate.spread == pytest.approx(4.0)
    assert is_faster(candidate, baseline)
    assert not is_faster(Speed((0.97,)), Speed((1.0,)))


def test_candidates_that_differ_only_in_formatting_comments_or_docstrings_are_one() -> None:
    population = Population()
    population.remember("def f(x):\n    return x + 1\n")
    same = Candidate(FUNCTION, 'def f(x):\n    """Doc."""\n    # why\n    return (x+1)\n',
                     "llm", "same", 1)
    other = Candidate(FUNCTION, "def f(x):\n    return 1 + x\n", "llm", "other", 1)
    assert population.add(same, 0, "seed") is None
    assert population.add(other, 0, "seed") is not None
    assert normalized("def f(:") == "def f(:"  # unparsable text is its own identity


def test_selection_takes_every_niche_leader_before_repeating_a_parent() -> None:
    population = Population(seed=3)
    made = []
    for name, passed in [("a", (TESTS[1],)), ("b", (TESTS[1],)), ("c", (TESTS[0],))]:
        judged = verdict(name, passed)
        member = population.add(judged.candidate, 0, "seed")
        assert member is not None
        member.verdict = judged
        made.append(judged)
    ranked = rank(made, FAILING, lambda v: 1)
    parents = population.select(2, ranked)
    # c fixes the failing test and leads its niche; a leads the other niche; b, in a's
    # niche, is not drawn while a niche leader is still unused.
    assert sorted(p.candidate.description for p in parents) == ["a", "c"]


def test_temperature_falls_from_exploration_to_exploitation() -> None:
    schedule = [temperature(g, 4) for g in range(4)]
    assert schedule == sorted(schedule, reverse=True)
    assert schedule[0] > schedule[-1]


def test_sparkline_draws_one_bar_per_generation_from_lowest_to_highest() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([2.0, 2.0]) == "██"
    assert sparkline([]) == ""


def original_order(items: list[int]) -> list[int]:
    return list(dict.fromkeys(items))


def sorted_order(items: list[int]) -> list[int]:
    return sorted(set(items))


def test_the_output_watch_reports_a_call_whose_result_differs_from_the_original() -> None:
    original = original_function(original_order, original_order.__code__)
    watch = OutputWatch(sorted_order.__code__, original)
    watch.start()
    try:
        sorted_order([1, 2])
        sorted_order([3, 1, 3])
    finally:
        watch.stop()
    assert watch.calls == 2
    assert "returned [1, 3] where the original original_order returned [3, 1]" in watch.mismatch


def test_the_output_watch_compares_on_copies_of_arguments_the_candidate_mutates() -> None:
    def pops(items: list[int]) -> int:
        return items.pop()

    watch = OutputWatch(pops.__code__, original_function(pops, pops.__code__))
    watch.start()
    try:
        pops([1, 2, 3])
    finally:
        watch.stop()
    assert watch.calls == 1
    assert watch.mismatch == ""
