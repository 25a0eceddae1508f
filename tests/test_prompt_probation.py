"""Prompts evolve only for the better: a rewrite is checked, tried on probation in a real
evolution, and becomes current only when it scores at least as well as its predecessor."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_evolve_e2e import FAST, PROJECT, WRONG, run_evolve

from pytest_selfheal._store import PromptScore, Store
from pytest_selfheal.cli import main
from pytest_selfheal.engines._evolve.strategies import BUILT_IN, check_rewrite, current, judge_trial
from pytest_selfheal.testing import OpenAIServer, Request, make_git_project


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("Sorry, I don't know.", "a refusal"),
        ("Fix bugs.", "too short"),
        ("I'm sorry, but I cannot rewrite system prompts for you today, friend.",
         "a refusal"),
        ("As an AI language model I will happily write a better prompt for your agent.",
         "a refusal"),
        ("You are a poet. Write verses about autumn leaves and rain.",
         "no longer asks for the task"),
        ("You are a Python engineer. Fix the bug and answer in JSON with a patch field.",
         "another answer format (json)"),
        ("fix " * 400, "too long"),
    ],
)
def test_a_rewrite_that_is_no_prompt_is_refused_with_its_reason(text: str, reason: str) -> None:
    assert reason in check_rewrite(text)


def test_a_rewrite_that_keeps_the_task_is_accepted_for_a_trial() -> None:
    assert check_rewrite("You are a careful engineer. Read the failure first, then make "
                         "the smallest change that fixes the bug.") == ""


def test_a_version_on_probation_becomes_current_only_by_scoring_as_well(tmp_path: Path) -> None:
    store = Store.for_project(tmp_path)
    try:
        current(store)  # stores the built-in versions
        store.add_prompt_score(PromptScore("minimal-patch", 1, "r1", "t", 0.8, False, "now"))
        for score, expected in ((0.5, "rejected"), (0.9, "accepted")):
            version = store.add_prompt_version("minimal-patch", "Fix the bug simply.", "now",
                                               "rewritten")
            store.set_prompt_status("minimal-patch", version, "probation", "waiting")
            (trial,) = [s for s in current(store) if s.name == "minimal-patch"]
            assert (trial.version, trial.replaces) == (version, 1)
            judge_trial(trial, score, store)
            assert store.prompt_statuses()[("minimal-patch", version)][0] == expected
        (now,) = [s for s in current(store) if s.name == "minimal-patch"]
        assert (now.version, now.replaces) == (3, None)
    finally:
        store.close()


def refuses_rewrites(request: Request) -> str:
    return "Sorry, I don't know." if "improve system prompts" in request.text else WRONG


def test_a_model_that_refuses_a_rewrite_leaves_the_current_prompt_as_it_was(
    workdir: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_git_project(workdir, PROJECT)
    with OpenAIServer([WRONG, FAST], respond=refuses_rewrites) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        first = run_evolve(pytester, "--selfheal-population", "2")
        first.assert_outcomes(failed=1, passed=2)
        first.stdout.fnmatch_lines(["*the model's rewrite of the minimal-patch prompt was "
                                    "rejected: *; v1 stays current*"])
        server.add(WRONG, FAST)
        run_evolve(pytester, "--selfheal-population", "2").assert_outcomes(failed=1, passed=2)
        systems = [r.messages[0]["content"] for r in server.chat_requests
                   if "improve system prompts" not in r.text]
    assert main(["-C", str(root), "prompts"]) == 0
    shown = capsys.readouterr().out
    assert "  v1 (current)" in shown
    assert "  v2 (rejected: a refusal, not a prompt (it says 'sorry'))" in shown
    assert "Sorry, I don't know." not in "\n".join(systems)
    assert all(BUILT_IN["minimal-patch"] in text or BUILT_IN["rewrite-for-robustness"] in text
               for text in systems)
