"""One identity for each thing: the run id and the branch prefix read the same everywhere.

The id `selfheal show` prints for a branch is the one in the JSON report, in the store
and in `--selfheal-replay-run`; `selfheal` finds the branches `pytest --selfheal` wrote
under a prefix set in pytest's ini file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from ages_project import PROJECT

from pytest_selfheal._store import Store
from pytest_selfheal.cli import main
from pytest_selfheal.testing import OpenAIServer, fenced, make_git_project

RIGHT = fenced('''
    def is_adult(age):
        """Whether someone of this age is an adult: 18 or older."""
        return age >= 18
''')


def run_selfheal(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-model",
                        "fake-model", *args, timeout=300)


def test_the_run_id_shown_for_a_branch_is_the_store_s_and_replays_the_run(
    workdir: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_git_project(workdir, PROJECT)
    with OpenAIServer(respond=lambda request: RIGHT) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        run_selfheal(pytester, "--selfheal-report", "recorded.json")
    monkeypatch.delenv("OPENAI_BASE_URL")
    report = json.loads((root / "recorded.json").read_text())
    branch = report["heals"][0]["branch"]

    assert main(["-C", str(root), "show", branch]) == 0
    shown = re.search(r", run (\S+)\n", capsys.readouterr().out)
    assert shown is not None
    run_id = shown.group(1)
    assert run_id == report["run_id"]
    store = Store.for_project(root)
    try:
        assert [run.id for run in store.runs()] == [run_id]
    finally:
        store.close()

    replayed = run_selfheal(pytester, "--selfheal-provider", "replay",
                            "--selfheal-replay-run", run_id)
    replayed.stdout.fnmatch_lines(["HEALED   tests/test_rules.py::test_adult_at_18 (*"])


def test_the_command_finds_branches_under_the_prefix_of_pytest_s_ini_file(
    workdir: Path, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str],
) -> None:
    pyproject = PROJECT["pyproject.toml"] + 'selfheal_branch_prefix = "fixes/"\n'
    root = make_git_project(workdir, {**PROJECT, "pyproject.toml": pyproject})
    run_selfheal(pytester).stdout.fnmatch_lines(["HEALED   *"])

    assert main(["-C", str(root), "list"]) == 0

    listed = capsys.readouterr().out
    assert re.search(r"^fixes/\S+-test-adult-at-18 ", listed, re.MULTILINE), listed
