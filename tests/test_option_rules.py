"""No option is silently ignored: evolve options imply the evolve engine, or say that
they do not apply and name it; options with no effect in the run are named at
start-up. And the evolve engine starts afresh for every failure of a session."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import OpenAIServer, Request, fenced, make_git_project

UNIQUE = '''\
def unique(items):
    if not items:
        return None
    return list(dict.fromkeys(items))
'''
RULES = '''\
def is_adult(age):
    return age > 18
'''
TESTS = '''\
from shop.rules import is_adult
from shop.uniq import unique


def test_unique_of_nothing():
    assert unique([]) == []


def test_adult_at_18():
    assert is_adult(18)


def test_unique_keeps_order():
    assert unique([2, 1, 2]) == [2, 1]
'''
PROJECT = {"pyproject.toml": "", "shop/__init__.py": "", "shop/uniq.py": UNIQUE,
           "shop/rules.py": RULES, "tests/test_shop.py": TESTS}


def answers(request: Request) -> str:
    if "improve system prompts" in request.text:
        return "You are a careful engineer who reads the failure first."
    if "is_adult" in request.text.rsplit("Reply with", 1)[-1]:
        return fenced("def is_adult(age):\n    return age >= 18\n")
    return fenced("def unique(items):\n    return list(dict.fromkeys(items))\n")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    with OpenAIServer(respond=answers) as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.url)
        yield running


def run_selfheal(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-model",
                        "fake-model", "-p", "no:cacheprovider", "--selfheal-report",
                        "report.json", *args, timeout=600)


def test_population_alone_evolves_and_every_failure_gets_its_own_evolution(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    root = make_git_project(workdir, PROJECT)

    result = run_selfheal(pytester, "--selfheal-population", "3")

    result.stdout.fnmatch_lines([
        "*evolve: population 3, generations 3*",
        "selfheal: --selfheal-population given: the evolve engine runs*",
    ])
    result.stdout.fnmatch_lines(["HEALED   tests/test_shop.py::test_unique_of_nothing (*"])
    result.stdout.fnmatch_lines(["HEALED   tests/test_shop.py::test_adult_at_18 (*"])
    heals = json.loads((root / "report.json").read_text())["heals"]
    assert [heal["engine"] for heal in heals] == ["evolve", "evolve"]
    # The second failure is a new evolution: its own generations and its own calls.
    assert all(heal["generations"] >= 1 for heal in heals)
    assert all(heal["candidates_evaluated"] >= 1 for heal in heals)
    assert sum(heal["llm_calls"] for heal in heals) == len(server.chat_requests)
    assert all(0 < heal["llm_calls"] < len(server.chat_requests) for heal in heals)


def test_an_unhealed_evolution_reports_the_generations_and_calls_it_used(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = lambda request: "I am not sure how to fix this."
    root = make_git_project(workdir, PROJECT)

    run_selfheal(pytester, "--selfheal-generations", "2")

    heals = json.loads((root / "report.json").read_text())["heals"]
    assert [heal["status"] for heal in heals] == ["unhealed", "unhealed"]
    assert [heal["generations"] for heal in heals] == [1, 1]
    assert sum(heal["llm_calls"] for heal in heals) == len(server.chat_requests)
    assert all(heal["llm_calls"] > 0 for heal in heals)


def test_evolve_options_with_refine_chosen_say_so_and_name_the_evolve_engine(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest("--selfheal", "--selfheal-engine", "refine",
                                "--selfheal-population", "6")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["selfheal: --selfheal-population only shapes the evolve "
                                 "engine, and --selfheal-engine chose 'refine': failures are "
                                 "healed without them (use --selfheal-engine evolve)*"])


def test_options_without_effect_are_named_at_start_up(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest("--selfheal", "--selfheal-rounds", "5",
                                "--selfheal-population", "6", "--selfheal-replay-run", "r1")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "selfheal: provider offline (no LLM endpoint configured)*",
        "selfheal: --selfheal-rounds has no effect: the offline engine runs (no LLM endpoint "
        "configured)",
        "selfheal: --selfheal-population has no effect: the offline engine runs*",
        "selfheal: --selfheal-replay-run has no effect without --selfheal-provider replay",
    ])


def test_rounds_with_the_evolve_engine_are_named_at_start_up(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    pytester.makepyfile("def test_ok():\n    pass\n")
    result = pytester.runpytest("--selfheal", "--selfheal-engine", "evolve",
                                "--selfheal-rounds", "5")
    result.stdout.fnmatch_lines(["selfheal: --selfheal-rounds has no effect: it counts the "
                                 "refine engine's rounds*"])
