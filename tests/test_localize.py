from __future__ import annotations

import math
from pathlib import Path

import pytest

from pytest_selfheal._heal.localize import (
    Spectrum,
    is_test_file,
    line_scores,
    localize,
    nested_bodies,
    project_relpath,
)
from pytest_selfheal.models import Failure, Frame

MODULE = '''\
def helper(x):
    return x * 2


def total(items):
    result = 0
    for item in items:
        result += helper(item)
    return result


class Cart:
    def add(self, item):
        if item < 0:
            raise ValueError(item)
        return total([item])
'''


@pytest.mark.parametrize(
    ("relpath", "is_test"),
    [
        ("tests/test_cart.py", True),
        ("tests/helpers.py", True),
        ("src/shop/test_utils.py", True),
        ("src/shop/cart_test.py", True),
        ("conftest.py", True),
        ("src/shop/conftest.py", True),
        ("src/shop/cart.py", False),
        ("src/shop/testing.py", False),
        ("collected_check.py", True),
    ],
)
def test_test_code_is_never_project_code(relpath, is_test):
    assert is_test_file(relpath, {"collected_check.py"}) is is_test


def test_files_outside_the_root_and_in_environments_are_not_project_code(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / ".venv/lib/site-packages").mkdir(parents=True)
    assert project_relpath(str(tmp_path / "src/cart.py"), tmp_path, ()) == "src/cart.py"
    assert project_relpath(str(tmp_path / ".venv/lib/site-packages/x.py"), tmp_path, ()) is None
    assert project_relpath("/usr/lib/python3.11/json/__init__.py", tmp_path, ()) is None
    assert project_relpath(str(tmp_path / "src/data.txt"), tmp_path, ()) is None


def test_ochiai_matches_the_formula():
    coverage = {"f1": {"m.py": {1}}, "p1": {"m.py": {1}}, "p2": {"m.py": {2}}, "p3": {"m.py": {1}}}
    spectrum = Spectrum(coverage, frozenset({"f1"}), frozenset({"p1", "p2", "p3"}))
    assert spectrum.ochiai(lambda files: 1 in files.get("m.py", ())) == pytest.approx(
        1 / math.sqrt(1 * 3))
    assert spectrum.ochiai(lambda files: 2 in files.get("m.py", ())) == 0.0


def failure_through(tmp_path: Path, *frames: tuple[str, int, str]) -> Failure:
    return Failure(
        nodeid="tests/test_cart.py::test_add",
        when="call",
        exception_type="ValueError",
        message="-1",
        longrepr="",
        frames=tuple(Frame(str(tmp_path / path), line, name) for path, line, name in frames),
    )


def test_innermost_project_frame_ranks_first(tmp_path: Path):
    failure = failure_through(
        tmp_path,
        ("tests/test_cart.py", 3, "test_add"),
        ("shop/cart.py", 16, "Cart.add"),
        ("shop/cart.py", 8, "total"),
        ("/usr/lib/python3.11/json/decoder.py", 10, "decode"),
    )
    suspects = localize(failure, tmp_path, {"tests/test_cart.py"}, lambda path: MODULE, None)
    assert [s.function.qualname for s in suspects] == ["total", "Cart.add"]
    assert suspects[0].lines == (8,)
    assert suspects[0].evidence == "traceback"
    assert suspects[0].function.lineno == 5


def test_coverage_finds_the_suspect_of_a_plain_assertion(tmp_path: Path):
    # The traceback holds only the test: the spectrum must point at `total`.
    failure = failure_through(tmp_path, ("tests/test_cart.py", 3, "test_total"))
    coverage = {
        "tests/test_cart.py::test_total": {"shop/cart.py": {6, 7, 8, 9, 2}},
        "tests/test_cart.py::test_helper": {"shop/cart.py": {2}},
        "tests/test_cart.py::test_add": {"shop/cart.py": {14, 16, 6, 7, 8, 9, 2}},
        "tests/test_cart.py::test_helper_2": {"shop/cart.py": {2}},
    }
    spectrum = Spectrum(coverage, frozenset({"tests/test_cart.py::test_total"}),
                        frozenset(set(coverage) - {"tests/test_cart.py::test_total"}))
    suspects = localize(failure, tmp_path, {"tests/test_cart.py"}, lambda path: MODULE, spectrum)
    assert [s.function.qualname for s in suspects] == ["total", "helper"]
    assert suspects[0].score > suspects[1].score
    assert suspects[0].evidence == "coverage"
    covering = spectrum.tests_running(suspects[0].function)
    assert sorted(covering) == ["tests/test_cart.py::test_add", "tests/test_cart.py::test_total"]
    scores = line_scores(suspects[0].function, spectrum)
    assert set(scores) == {6, 7, 8, 9}


def test_a_function_passing_tests_leave_at_its_argument_check_is_ranked_by_its_lines(
        tmp_path: Path):
    # networkx's Stoer-Wagner: a test of its errors enters it and leaves at the check of
    # its arguments; by its entries it ranked under nine heap methods it calls, which
    # the failing tests run as often, and it was never searched. Its last line, which
    # only the failing tests run, is the fault.
    failure = failure_through(tmp_path, ("tests/test_cart.py", 3, "test_add"))
    failing = {"tests/test_cart.py::test_add": {"shop/cart.py": {13, 15, 6, 7, 8, 9, 2}},
               "tests/test_cart.py::test_add_2": {"shop/cart.py": {13, 15, 6, 7, 8, 9, 2}}}
    passing = {"tests/test_cart.py::test_add_negative": {"shop/cart.py": {13, 14}},
               "tests/test_cart.py::test_total": {"shop/cart.py": {6, 7, 8, 9, 2}}}
    spectrum = Spectrum({**failing, **passing}, frozenset(failing), frozenset(passing))

    suspects = localize(failure, tmp_path, {"tests/test_cart.py"}, lambda path: MODULE,
                        spectrum)

    assert [s.function.qualname for s in suspects] == ["Cart.add", "helper", "total"]
    assert suspects[0].score == pytest.approx(0.95)
    assert suspects[1].score == pytest.approx(0.95 * 2 / math.sqrt(2 * 3))
    # Measured by its entries alone, the test of its errors ran all of it.
    entered = Spectrum(failing, frozenset(failing), frozenset(passing),
                       {"tests/test_cart.py::test_add_negative": ["shop/cart.py::Cart.add"]})
    assert entered.function_ochiai(suspects[0].function) == pytest.approx(2 / math.sqrt(2 * 3))


def test_helpers_of_a_tests_package_run_only_by_the_failing_test_are_not_suspects(
        tmp_path: Path):
    # A suite's own support module (jsonschema's tests/_suite.py) runs in the failing
    # test alone, which makes it the most suspicious code by coverage; fixes may not
    # edit tests, so it is never a suspect.
    failure = failure_through(tmp_path, ("tests/test_cart.py", 3, "test_total"))
    coverage = {
        "tests/test_cart.py::test_total": {"shop/cart.py": {6, 7, 8, 9, 2},
                                           "tests/_support.py": {2}},
        "tests/test_cart.py::test_add": {"shop/cart.py": {14, 16, 6, 7, 8, 9, 2}},
    }
    spectrum = Spectrum(coverage, frozenset({"tests/test_cart.py::test_total"}),
                        frozenset({"tests/test_cart.py::test_add"}))
    suspects = localize(failure, tmp_path, {"tests/test_cart.py"}, lambda path: MODULE, spectrum)
    assert [s.function.path for s in suspects] == ["shop/cart.py", "shop/cart.py"]


def test_frames_in_test_files_and_module_level_code_are_not_suspects(tmp_path: Path):
    failure = failure_through(
        tmp_path, ("tests/test_cart.py", 3, "test_add"), ("shop/cart.py", 1, "<module>"))
    assert localize(failure, tmp_path, {"tests/test_cart.py"},
                    lambda path: "import json\n", None) == []


CACHE = '''\
class Cache:
    def __init__(self, size):
        self.size = size

        def get(key):
            return key - 1

        self.get = get


def lookup(cache, key):
    return cache.get(key)
'''


def test_a_closure_made_by_init_is_not_init_itself(tmp_path: Path):
    # pyparsing's packrat cache makes its get and set in __init__, once: the failing
    # test's lines run the closure, while the passing tests are measured by the functions
    # they enter. The closure's lines must not make __init__ look like the function only
    # the failing test runs.
    failure = failure_through(tmp_path, ("tests/test_cache.py", 3, "test_lookup"))
    failing, passing = "tests/test_cache.py::test_lookup", "tests/test_cache.py::test_size"
    spectrum = Spectrum({failing: {"shop/cache.py": {6, 12}}},
                        frozenset({failing}), frozenset({passing}),
                        reached={passing: ["shop/cache.py::lookup"]},
                        nested=nested_bodies(lambda path: CACHE, ["shop/cache.py"]))

    suspects = localize(failure, tmp_path, {"tests/test_cache.py"}, lambda path: CACHE, spectrum)

    assert [s.function.qualname for s in suspects] == ["lookup"]


PARSER = '''\
def keyword(text, loc):
    return text[loc + 1] == " "


def end(text, loc):
    if loc != len(text):
        raise ValueError("expected end of text")


def parse(text):
    loc = 0
    if keyword(text, loc):
        loc += 1
    end(text, loc)
'''


def test_when_several_tests_fail_the_function_they_single_out_beats_the_reporter(
        tmp_path: Path):
    # A wrong keyword match fails a grammar only later, at its end: the traceback runs
    # through parse and end, which every test runs, never through keyword, which the
    # failing tests all run and the passing ones rarely do.
    failure = failure_through(tmp_path, ("tests/test_cart.py", 3, "test_add"),
                              ("shop/parser.py", 14, "parse"), ("shop/parser.py", 7, "end"))
    failing = {f"tests/test_cart.py::test_{n}" for n in ("add", "a", "b", "c")}
    passing = {f"tests/test_cart.py::test_p{n}" for n in range(8)}
    entered = {nodeid: ["shop/parser.py::parse", "shop/parser.py::end"]
               for nodeid in failing | passing}
    for nodeid in failing | {"tests/test_cart.py::test_p0"}:
        entered[nodeid].append("shop/parser.py::keyword")
    spectrum = Spectrum({}, frozenset(failing), frozenset(passing), entered)

    suspects = localize(failure, tmp_path, {"tests/test_cart.py"}, lambda path: PARSER,
                        spectrum)

    assert suspects[0].function.qualname == "keyword"
    # With the one failing test alone, its traceback leads as ever.
    alone = Spectrum({}, frozenset({"tests/test_cart.py::test_add"}), frozenset(passing),
                     entered)
    assert localize(failure, tmp_path, {"tests/test_cart.py"}, lambda path: PARSER,
                    alone)[0].function.qualname == "end"
