"""The corpus of reply shapes (tests/reply_corpus.py) through the refine engine, the
real `openai` client and the loopback server: each shape becomes a working candidate,
or is refused and the reason is in the next request the model gets."""

from __future__ import annotations

import pytest
from reply_corpus import MODULE, SHAPES, Shape

from pytest_selfheal._llm import Budget, BudgetLimits, ClientOptions, Endpoint, LLMClient
from pytest_selfheal.engines._llm import Asking
from pytest_selfheal.engines._refine.engine import RefineEngine
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.models import Failure, FunctionRef, Suspect
from pytest_selfheal.testing import OpenAIServer, Reply

FAILURE = Failure(nodeid="tests/test_shop.py::test_adult_at_18", when="call",
                  exception_type="AssertionError", message="assert False",
                  longrepr="E   assert False", test_source="def test_adult_at_18():\n"
                  "    assert is_adult(18)\n")
TASK = RepairTask(failure=FAILURE,
                  suspects=(Suspect(FunctionRef("shop.py", "is_adult", 8, 9), 1.0, "traceback"),),
                  sources={"shop.py": MODULE}, tests=(FAILURE.nodeid,))


def ask(shape: Shape) -> tuple[list[str], list[str]]:
    """The candidates' module texts and the texts of the requests the model got."""
    first = Reply(content=shape.reply, finish_reason=shape.finish_reason)
    with OpenAIServer([first, "I do not know."]) as server:
        client = LLMClient(Endpoint(model="fake-model", base_url=server.url),
                           Budget(BudgetLimits()),
                           ClientOptions(prices={"fake-model": (0.0, 0.0)}))
        engine = RefineEngine(client, 2, Asking(test_files=("tests/test_shop.py",)))
        candidates = engine.propose(TASK, [])
        requests = [request.text for request in server.chat_requests]
    return [candidate.source for candidate in candidates], requests


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.refused_for is None], ids=str)
def test_a_shape_a_model_answers_in_is_applied(shape: Shape) -> None:
    (source,), requests = ask(shape)
    namespace: dict[str, object] = {}
    exec(compile(source, "shop.py", "exec"), namespace)
    is_adult = namespace["is_adult"]
    assert (is_adult(18), is_adult(17)) == (True, False)  # type: ignore[operator]
    assert namespace["rounded"](1.234) == 1.23  # type: ignore[operator]
    assert "print(" not in source  # examples are not code
    assert "__main__" not in source
    assert source.count("import math") == 1
    assert len(requests) == 1


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.refused_for is not None], ids=str)
def test_a_shape_that_cannot_be_used_is_refused_and_the_reason_goes_back(shape: Shape) -> None:
    sources, requests = ask(shape)
    assert sources == []
    first, second = requests
    assert shape.refused_for not in first
    assert shape.refused_for in second


def test_the_evolve_engine_tells_the_model_why_an_answer_was_refused() -> None:
    from pytest_selfheal.engines._evolve.engine import Breeding, EvolveEngine

    renamed = "```python\ndef is_grown_up(age):\n    return age >= 18\n```"
    right = "```python\ndef is_adult(age):\n    return age >= LEGAL_AGE\n```"
    with OpenAIServer([renamed, right]) as server:
        client = LLMClient(Endpoint(model="fake-model", base_url=server.url),
                           Budget(BudgetLimits()),
                           ClientOptions(prices={"fake-model": (0.0, 0.0)}))
        engine = EvolveEngine(client, Breeding(population=2, generations=1))
        (candidate,) = engine.propose(TASK, [])
        first, second = (request.text for request in server.chat_requests)
    assert "renames `is_adult` to `is_grown_up`" not in first
    assert "An earlier answer could not be used: the reply renames `is_adult`" in second
    assert "return age >= LEGAL_AGE" in candidate.source
