"""The refine engine in-process, with the real `openai` client and the loopback server:
what the model is shown, how refused replies are fed back, and what missing code is."""

from __future__ import annotations

from pathlib import Path

from pytest_selfheal._heal.missing import find_missing
from pytest_selfheal._llm import Budget, BudgetLimits, ClientOptions, Endpoint, LLMClient
from pytest_selfheal.engines._llm import Asking
from pytest_selfheal.engines._refine.engine import RefineEngine
from pytest_selfheal.engines._refine.prompts import Attempt, repair_messages
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.models import Failure, FunctionRef, Suspect, Verdict
from pytest_selfheal.testing import OpenAIServer, fenced

SHOP = '''\
def is_adult(age):
    return age > 18


class Cart:
    def total(self):
        return 0
'''
FAILURE = Failure(nodeid="tests/test_shop.py::test_adult_at_18", when="call",
                  exception_type="AssertionError", message="assert False",
                  longrepr="E   assert False\nE    +  where False = is_adult(18)",
                  test_source="def test_adult_at_18():\n    assert is_adult(18)\n")
SUSPECT = Suspect(FunctionRef("shop.py", "is_adult", 1, 2), 0.9, "traceback", (2,))


def task() -> RepairTask:
    return RepairTask(failure=FAILURE, suspects=(SUSPECT,), sources={"shop.py": SHOP},
                      line_scores={"shop.py::is_adult": {2: 0.75}},
                      tests=(FAILURE.nodeid,))


def engine(server: OpenAIServer, tmp_path: Path, rounds: int = 3) -> RefineEngine:
    client = LLMClient(Endpoint(model="fake-model", base_url=server.url), Budget(BudgetLimits()),
                       ClientOptions(prices={"fake-model": (0.0, 0.0)}))
    return RefineEngine(client, rounds, Asking(test_files=("tests/test_shop.py",)))


def test_the_prompt_shows_the_failure_the_test_and_the_numbered_suspect() -> None:
    (system, user) = repair_messages(FAILURE, [SUSPECT], {"shop.py": SHOP},
                                     {"shop.py::is_adult": {2: 0.75}})
    assert "never the tests" in system["content"]
    text = user["content"]
    assert "Failing test: tests/test_shop.py::test_adult_at_18" in text
    assert "where False = is_adult(18)" in text
    assert "def test_adult_at_18():" in text
    assert "2 |     return age > 18" in text
    assert "suspiciousness 0.90" in text
    assert "line 2 (0.75)" in text


def test_earlier_attempts_are_in_the_prompt_with_how_they_failed() -> None:
    history = [Attempt("def is_adult(age):\n    return age > 17", "assert True is False"),
               Attempt("def grown(age): ...", "the reply renames `is_adult`", rejected=True)]
    (_, user) = repair_messages(FAILURE, [SUSPECT], {"shop.py": SHOP}, {}, history)
    assert "return age > 17" in user["content"]
    assert "It failed:\nassert True is False" in user["content"]
    assert "It was rejected:\nthe reply renames `is_adult`" in user["content"]


def test_a_refused_reply_is_fed_back_with_its_reason_and_asked_again(tmp_path: Path) -> None:
    renamed = fenced("def is_grown_up(age):\n    return age >= 18\n")
    right = fenced("def is_adult(age):\n    return age >= 18\n")
    with OpenAIServer([renamed, right]) as server:
        candidates = engine(server, tmp_path).propose(task(), [])
        first, second = server.chat_requests
    assert "renames `is_adult` to `is_grown_up`; keep the name" not in first.text
    assert "renames `is_adult` to `is_grown_up`; keep the name" in second.text
    (candidate,) = candidates
    assert "return age >= 18" in candidate.source


def test_a_failed_candidate_is_fed_back_and_its_near_misses_join_the_next_round(
    tmp_path: Path,
) -> None:
    near = fenced("def is_adult(age):\n    return age > 17.5 and age < 0\n")
    with OpenAIServer([near, fenced("def is_adult(age):\n    return age >= 18\n")]) as server:
        refine = engine(server, tmp_path)
        (first,) = refine.propose(task(), [])
        verdict = Verdict(candidate=first, passed=False, reason="failed", tests_passed=0,
                          tests_total=1, runtime_s=0.0,
                          failure_text="tests/test_shop.py::test_adult_at_18: assert False")
        llm_answer, *mutants = refine.propose(task(), [verdict])
        second = server.chat_requests[1]
    assert "return age > 17.5 and age < 0" in second.text
    assert "tests/test_shop.py::test_adult_at_18: assert False" in second.text
    assert "return age >= 18" in llm_answer.source
    assert mutants
    assert all("in the model's round-1 answer" in m.description for m in mutants)


def test_rounds_are_a_hard_limit_and_the_reason_names_the_option(tmp_path: Path) -> None:
    with OpenAIServer(respond=lambda request: "I am not sure.") as server:
        refine = engine(server, tmp_path, rounds=2)
        assert refine.propose(task(), []) == []
        assert len(server.chat_requests) == 2
    assert refine.stop_reason is not None
    assert "--selfheal-rounds" in refine.stop_reason


def failure(exception_type: str, message: str) -> Failure:
    return Failure(nodeid="t.py::test", when="call", exception_type=exception_type,
                   message=message, longrepr="")


MODULES = {"shop": "src/shop.py", "stats": "src/stats.py"}


def read(path: str) -> str:
    return SHOP if path == "src/shop.py" else "def mean(values):\n    return 0\n"


def test_missing_code_is_recognised_from_what_the_test_reached_for() -> None:
    found = [
        find_missing(failure("AttributeError", "module 'stats' has no attribute 'median'"),
                     MODULES, read),
        find_missing(failure("AttributeError", "'Cart' object has no attribute 'count'. "
                             "Did you mean: 'total'?"), MODULES, read),
        find_missing(failure("ImportError", "cannot import name 'median' from 'stats' "
                             "(/x/src/stats.py)"), MODULES, read),
        find_missing(failure("NameError", "name 'helper' is not defined"), MODULES, read,
                     ["src/shop.py"]),
    ]
    assert [(m.path, m.qualname, m.kind) if m else None for m in found] == [
        ("src/stats.py", "median", "function"),
        ("src/shop.py", "Cart.count", "method"),
        ("src/stats.py", "median", "function"),
        ("src/shop.py", "helper", "function"),
    ]


def test_a_typo_inside_project_code_or_outside_the_project_is_not_missing_code() -> None:
    typo = failure("AttributeError", "'Cart' object has no attribute 'itemz'")
    assert find_missing(typo, MODULES, read, ["src/shop.py"]) is None
    outside = failure("AttributeError", "module 'math' has no attribute 'median'")
    assert find_missing(outside, MODULES, read) is None
    in_test = failure("NameError", "name 'median' is not defined")
    assert find_missing(in_test, MODULES, read, []) is None


def test_a_spent_time_budget_stops_the_task_before_any_request(tmp_path: Path) -> None:
    ticks = iter(range(0, 10_000, 100))  # every look at the clock is 100 s later

    def clock() -> float:
        return float(next(ticks))

    with OpenAIServer(respond=lambda request: "never asked") as server:
        client = LLMClient(Endpoint(model="fake-model", base_url=server.url),
                           Budget(BudgetLimits()),
                           ClientOptions(prices={"fake-model": (0.0, 0.0)}, clock=clock))
        refine = RefineEngine(client, 3, Asking(timeout_s=150, clock=clock))
        assert refine.propose(task(), []) == []
        assert server.chat_requests == []
    assert refine.stop_reason is not None
    assert "raise --selfheal-timeout" in refine.stop_reason


def test_a_not_implemented_stub_is_asked_to_be_written_not_fixed() -> None:
    stub = Failure(nodeid="t.py::test_mode", when="call", exception_type="NotImplementedError",
                   message="", longrepr="")
    (system, _) = repair_messages(stub, [SUSPECT], {"shop.py": SHOP}, {})
    assert "test-driven development" in system["content"]
