"""The offline search: learned operator rates, pairs from partial fixes, held-out tests."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_selfheal._heal.selection import hold_out
from pytest_selfheal.engines._offline import OfflineEngine
from pytest_selfheal.engines._offline.rates import FILENAME, OperatorRates
from pytest_selfheal.engines._offline.search import pairs
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.models import Candidate, Failure, FunctionRef, Suspect, Verdict

SOURCE = '''\
def clamp(value, low, high):
    if value < low:
        return low
    if value > high:
        return high
    return value + 0
'''


def task_for(source: str = SOURCE) -> RepairTask:
    function = FunctionRef("pkg/numbers.py", "clamp", 1, 6)
    failure = Failure("tests/test_numbers.py::test_clamp", "call", "AssertionError", "", "")
    return RepairTask(failure=failure, suspects=(Suspect(function, 1.0, "coverage"),),
                      sources={"pkg/numbers.py": source})


def verdict(candidate: Candidate, tests_passed: int = 0) -> Verdict:
    return Verdict(candidate, False, "tests/test_numbers.py::test_clamp failed",
                   tests_passed, 3, 0.01)


def offered(engine: OfflineEngine, task: RepairTask,
            passes_first_test: str | None = None) -> list[list[Candidate]]:
    """Every batch the engine offers when no candidate passes; one whose source is
    ``passes_first_test`` fixes the failing test and breaks another."""
    batches: list[list[Candidate]] = []
    feedback: list[Verdict] = []
    while batch := engine.propose(task, feedback):
        batches.append(batch)
        feedback += [verdict(c, tests_passed=int(c.source == passes_first_test)) for c in batch]
    return batches


def singles(batches: list[list[Candidate]]) -> list[Candidate]:
    return [c for batch in batches for c in batch if "+" not in c.operator]


def test_operators_that_fixed_this_project_before_are_tried_first(tmp_path: Path) -> None:
    fresh = singles(offered(OfflineEngine(root=tmp_path), task_for()))
    assert fresh[0].operator != "name-swap"

    learned = OperatorRates(tmp_path, {})
    for _ in range(200):
        learned.record(["name-swap"], "name-swap")
    learned.save()

    # A new engine, as in the next pytest run, reads what the last one learned.
    ordered = singles(offered(OfflineEngine(root=tmp_path), task_for()))
    assert ordered[0].operator == "name-swap"
    assert sorted(c.source for c in ordered) == sorted(c.source for c in fresh)


def test_rates_are_kept_in_one_git_ignored_json_file(tmp_path: Path) -> None:
    state = tmp_path / ".selfheal"
    rates = OperatorRates(tmp_path, {"compare-swap": 1.0})
    before = rates.rate("compare-swap")

    rates.record(["compare-swap", "compare-swap", "off-by-one"], "compare-swap")
    rates.save()

    data = json.loads((state / FILENAME).read_text())
    assert data["operators"]["compare-swap"] == {"tried": 2, "won": 1}
    assert data["operators"]["off-by-one"] == {"tried": 1, "won": 0}
    assert "*" in (state / ".gitignore").read_text().splitlines()
    assert OperatorRates(tmp_path, {"compare-swap": 1.0}).rate("compare-swap") > before


def test_sessions_that_learn_at_the_same_time_both_keep_what_they_learned(
    tmp_path: Path,
) -> None:
    # Two pytest-xdist workers read the same counts at start and save at their ends.
    first, second = OperatorRates(tmp_path, {}), OperatorRates(tmp_path, {})
    first.record(["compare-swap", "negate"], "compare-swap")
    second.record(["off-by-one"], "off-by-one")

    first.save()
    second.save()

    data = json.loads((tmp_path / ".selfheal" / FILENAME).read_text())
    assert data["operators"] == {"compare-swap": {"tried": 1, "won": 1},
                                 "negate": {"tried": 1, "won": 0},
                                 "off-by-one": {"tried": 1, "won": 1}}


def test_a_damaged_rates_file_is_ignored_and_rewritten(tmp_path: Path) -> None:
    state = tmp_path / ".selfheal"
    state.mkdir()
    (state / FILENAME).write_text("{not json")

    rates = OperatorRates(tmp_path, {"negate": 0.7})
    assert rates.rate("negate") == OperatorRates(None, {"negate": 0.7}).rate("negate")
    rates.record(["negate"], None)
    rates.save()

    assert json.loads((state / FILENAME).read_text())["operators"] == {
        "negate": {"tried": 1, "won": 0}}


def test_a_near_miss_is_paired_once_its_function_s_single_edits_were_tried() -> None:
    two_bugs = SOURCE.replace("value > high", "value < high")
    half = two_bugs.replace("value + 0", "value + 1")
    wanted = half.replace("value < high", "value > high")

    batches = offered(OfflineEngine(), task_for(two_bugs), passes_first_test=half)

    order = [c for batch in batches for c in batch]
    pair = next(c for c in order if c.source == wanted)
    assert pair.operator.count("+") == 1
    # After every single edit of the function, before the pairs that wait for the end.
    assert order.index(pair) > max(i for i, c in enumerate(order) if "+" not in c.operator)
    assert pair not in batches[-1]


def test_without_a_near_miss_only_edits_on_one_line_are_paired() -> None:
    batches = offered(OfflineEngine(), task_for())

    paired = [c for batch in batches for c in batch if "+" in c.operator]
    assert paired, "two edits on one line are tried even when nothing came near"
    changed = {c.lineno for c in singles(batches)}
    for candidate in paired:
        lines = [n for n, (old, new) in enumerate(zip(SOURCE.splitlines(),
                                                      candidate.source.splitlines(),
                                                      strict=True), start=1) if old != new]
        assert len(lines) == 1
        assert lines[0] in changed


def test_pairs_are_new_and_only_of_edits_that_were_tried_and_failed() -> None:
    task = task_for()
    every = singles(offered(OfflineEngine(), task))
    by_line = {c.lineno: c for c in reversed(every)}
    tried = [by_line[line] for line in sorted(by_line)][:4]
    feedback = [verdict(tried[0], tests_passed=1), *(verdict(c) for c in tried[1:])]

    found = pairs(dict(task.sources), every, feedback, set())

    descriptions = {c.description for c in tried}
    assert found
    for candidate in found:
        first, second = candidate.description.split("; and ")
        assert {first, second} <= descriptions
    assert len({c.source for c in found}) == len(found)


def test_the_failing_test_is_always_searched_and_a_third_of_the_others_held_out() -> None:
    failing = "t.py::test_fails"
    others = [f"t.py::test_{n}" for n in range(6)]
    expected = {failing: "passed", **dict.fromkeys(others, "passed")}

    searched, held = hold_out(expected)

    assert next(iter(searched)) == failing
    assert len(held) == 2
    assert set(searched) | set(held) == set(expected)
    assert not set(searched) & set(held)


def test_nothing_is_held_out_when_no_other_test_covers_the_function() -> None:
    assert hold_out({"t.py::test_fails": "passed"}) == ({"t.py::test_fails": "passed"}, {})
    searched, held = hold_out({"t.py::test_fails": "passed", "t.py::test_a": "passed",
                               "t.py::test_b": "skipped"})
    assert held == {"t.py::test_b": "skipped"}
    assert searched == {"t.py::test_fails": "passed", "t.py::test_a": "passed"}


MODULE = SOURCE + '''

def scale(values, factor):
    total = 0
    for value in values:
        total += value * factor
    return total - 1


def pick(items, index):
    if index >= len(items):
        return None
    return items[index + 1]
'''


def test_edits_of_several_suspects_come_likeliest_first_across_suspects() -> None:
    # Each suspect's edits are made only when needed; the order must still be the one
    # of weighing every edit of every suspect and sorting them.
    functions = [FunctionRef("pkg/numbers.py", "clamp", 1, 6),
                 FunctionRef("pkg/numbers.py", "scale", 9, 13),
                 FunctionRef("pkg/numbers.py", "pick", 16, 19)]
    failure = Failure("tests/test_numbers.py::test_clamp", "call", "AssertionError", "", "")
    suspects = (Suspect(functions[0], 0.9, "traceback", lines=(6,)),
                Suspect(functions[1], 0.5, "coverage"),
                Suspect(functions[2], 0.3, "coverage"))
    task = RepairTask(failure=failure, suspects=suspects, sources={"pkg/numbers.py": MODULE},
                      line_scores={str(functions[1]): {13: 0.8}})
    engine = OfflineEngine()

    order = singles(offered(engine, task))

    weights = [engine_weight(engine, task, c) for c in order]
    assert weights == sorted(weights, reverse=True)
    assert {str(c.function) for c in order} == {str(f) for f in functions}
    assert len({c.source for c in order}) == len(order)


def engine_weight(engine: OfflineEngine, task: RepairTask, candidate: Candidate) -> float:
    """What the offline engine weighs ``candidate`` by: suspect score x line score x rate."""
    suspect = next(s for s in task.suspects if s.function == candidate.function)
    line = task.line_scores.get(str(candidate.function), {}).get(candidate.lineno, 0.1)
    line += 1.0 if candidate.lineno in suspect.lines else 0.0
    return suspect.score * line * engine.rates.rate(candidate.operator)


def test_the_first_batch_writes_out_only_the_edits_it_hands_out(monkeypatch) -> None:
    # Writing a mutant (the module's whole text, checked to re-parse to the intended
    # tree) is nearly all its cost: pyparsing's _parseNoCache has 2,500 edits, which
    # took 4 s to write before its first batch of 24 could be judged.
    from pytest_selfheal.engines._offline import mutants

    written: list[int] = []
    real_render = mutants._render

    def counting(*args):  # type: ignore[no-untyped-def]
        written.append(1)
        return real_render(*args)

    monkeypatch.setattr(mutants, "_render", counting)
    long_function = "def total(a, b, c):\n" + "".join(
        f"    a = a + b * {n} - c\n" for n in range(40)) + "    return a\n"
    function = FunctionRef("pkg/numbers.py", "total", 1, 42)
    failure = Failure("tests/test_numbers.py::test_total", "call", "AssertionError", "", "")
    task = RepairTask(failure=failure, suspects=(Suspect(function, 1.0, "coverage"),),
                      sources={"pkg/numbers.py": long_function})

    first = OfflineEngine().propose(task, [])
    written_for_it = len(written)

    every = mutants.mutations(long_function, "total")
    assert len(every) > 10 * len(first)
    assert len(first) <= written_for_it < 2 * len(first)


def test_suspects_in_one_module_share_its_parse_and_get_the_same_edits(monkeypatch) -> None:
    # Five of pyparsing's eight suspects were in its 6,000-line core.py, parsed again
    # for each.
    from pytest_selfheal.engines._offline import mutants

    parses: list[str] = []
    real_parse = mutants.parse_module
    monkeypatch.setattr(mutants, "parse_module",
                        lambda text, name: parses.append(name) or real_parse(text, name))
    mutants._parsed.cache_clear()
    source = SOURCE + "\n\ndef scale(x, k):\n    return x * k + 1\n"

    first = [(m.description, m.source) for m in mutants.mutations(source, "clamp")]
    mutants.mutations(source, "scale")
    again = [(m.description, m.source) for m in mutants.mutations(source, "clamp")]

    assert len(parses) == 1
    assert again == first
