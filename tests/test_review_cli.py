"""The ``selfheal`` review commands on real repositories: list, show, apply, drop, clean, report.

The round trip runs `pytest --selfheal` and then the ``selfheal`` command as a user
would, each in its own process. The other tests build their fix branches with the same
git plumbing and commit messages the healer uses (cheaper than a heal each) and call
``selfheal`` in-process through ``main``; colour and progress bars need a real terminal
and run the command in a subprocess on a pseudo-terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fix_branches import (
    ANSI,
    FIXED_RULES,
    NODEID,
    PROJECT,
    RULES,
    make_fix_branch,
    on_terminal,
    selfheal,
    state,
)

from pytest_selfheal.cli import main
from pytest_selfheal.testing import git, make_git_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_git_project(tmp_path / "project", PROJECT)


def test_round_trip_list_show_apply_drop_on_a_branch_written_by_pytest_selfheal(
    project: Path,
) -> None:
    healed = subprocess.run(
        [sys.executable, "-m", "pytest", "--selfheal", "-p", "no:cacheprovider"], cwd=project,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, capture_output=True, text=True,
        timeout=300, check=False)
    assert "HEALED   tests/test_rules.py::test_adult_at_18" in healed.stdout, healed.stdout
    (branch,) = git(project, "branch", "--list", "selfheal/*",
                    "--format=%(refname:short)").split()

    listed = selfheal(project, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split() == ["BRANCH", "TESTS", "HEALED", "STATUS",
                                                     "FIX", "AGE"]
    # One other test covers is_adult: no held-out test can confirm the fix.
    assert listed.stdout.splitlines()[1].split() == [branch, NODEID, "pending", "plausible",
                                                     "just", "now"]

    shown = selfheal(project, "show", branch)
    assert shown.returncode == 0, shown.stderr
    assert f"branch {branch}: pending on main" in shown.stdout
    assert "    fix(ages.rules): heal test_adult_at_18" in shown.stdout
    assert f"      {NODEID} failed with AssertionError" in shown.stdout
    assert "    Selfheal-Engine: offline" in shown.stdout
    assert "-    return age > 18\n+    return age >= 18\n" in shown.stdout
    assert ANSI not in shown.stdout  # not a terminal: no colour
    assert "HTML report: " in shown.stdout

    # The prefix may be left out.
    applied = selfheal(project, "apply", branch.removeprefix("selfheal/"))
    assert applied.returncode == 0, applied.stderr
    assert "applying 1 fix commit" in applied.stdout
    assert git(project, "log", "-1", "--format=%s").strip() == (
        "fix(ages.rules): heal test_adult_at_18")
    assert (project / "src/ages/rules.py").read_text() == FIXED_RULES
    assert git(project, "status", "--porcelain") == ""
    after = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=project, capture_output=True, text=True, check=False)
    assert after.returncode == 0, after.stdout
    assert selfheal(project, "list").stdout.splitlines()[1].split()[2] == "applied"

    dropped = selfheal(project, "drop", branch)
    assert dropped.returncode == 0, dropped.stderr
    assert git(project, "branch", "--list", "selfheal/*") == ""
    assert selfheal(project, "list").stdout == f"no selfheal branches in {project}\n"
    # The printed command brings the branch back.
    restore = dropped.stdout.splitlines()[-1].removeprefix("to restore it: ").split()
    assert restore[:2] == ["git", "branch"]
    git(project, *restore[1:])
    assert git(project, "rev-parse", branch).strip() == restore[-1]


def test_fix_commits_carry_trailers_that_git_itself_reads(project: Path) -> None:
    tip = make_fix_branch(project, "selfheal/20240101-120000-test-adult-at-18")

    def trailer(key: str) -> str:
        return git(project, "log", "-1", f"--format=%(trailers:key={key},valueonly)", tip).strip()

    assert trailer("Selfheal-Run") == "20240101-120000"
    assert trailer("Selfheal-Engine") == "offline"
    assert trailer("Selfheal-Model") == "none"
    assert trailer("Selfheal-Test") == NODEID


def test_apply_refuses_uncommitted_changes_and_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    make_fix_branch(project, "selfheal/fix")
    (project / "README.md").write_text("# ages\n\nunsaved\n")
    git(project, "add", "README.md")
    before = state(project)

    assert main(["-C", str(project), "apply", "selfheal/fix"]) == 1

    assert capsys.readouterr().err == (
        "selfheal: error: your working tree has uncommitted changes (M  README.md); commit or "
        "stash them first: selfheal apply never mixes a fix into unsaved work\n")
    assert state(project) == before


def test_apply_that_conflicts_aborts_and_leaves_head_index_and_files_as_they_were(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    make_fix_branch(project, "selfheal/fix")
    (project / "src/ages/rules.py").write_text(RULES.replace("age > 18", "age > 20"))
    git(project, "commit", "-q", "-am", "Raise the age")
    before = state(project)

    assert main(["-C", str(project), "apply", "selfheal/fix"]) == 1

    assert "(conflict in src/ages/rules.py); nothing was changed" in capsys.readouterr().err
    assert state(project) == before
    assert not (project / ".git/CHERRY_PICK_HEAD").exists()


def test_apply_leaves_out_the_snapshot_of_the_users_own_work(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    wip = RULES + "\n\ndef is_senior(age):\n    return age >= 65\n"
    make_fix_branch(project, "selfheal/fix", snapshot=wip,
                    rules=wip.replace("age > 18", "age >= 18"))
    # Later the user commits that work themselves, then takes the fix.
    (project / "src/ages/rules.py").write_text(wip)
    git(project, "commit", "-q", "-am", "Add is_senior")

    assert main(["-C", str(project), "apply", "fix"]) == 0

    out = capsys.readouterr().out
    assert "left out 1 snapshot commit of your own uncommitted work" in out
    assert git(project, "log", "--format=%s", "-3").splitlines() == [
        "fix(ages.rules): heal test_adult_at_18", "Add is_senior", "Initial commit"]
    assert (project / "src/ages/rules.py").read_text() == wip.replace("age > 18", "age >= 18")


def test_apply_refuses_a_detached_head(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_fix_branch(project, "selfheal/fix")
    git(project, "switch", "-q", "--detach")

    assert main(["-C", str(project), "apply", "selfheal/fix"]) == 1

    assert "HEAD is detached" in capsys.readouterr().err
    assert git(project, "rev-parse", "HEAD") == git(project, "rev-parse", "main")


def test_branches_that_are_not_selfheals_are_never_dropped(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    git(project, "branch", "selfheal/mine")  # the prefix, but no Selfheal-Run trailer

    assert main(["-C", str(project), "drop", "main"]) == 1
    assert main(["-C", str(project), "drop", "selfheal/mine"]) == 1

    err = capsys.readouterr().err
    assert "main is not a selfheal branch (its name does not start with 'selfheal/')" in err
    assert "selfheal/mine is not a selfheal branch (its tip has no Selfheal-Run trailer)" in err
    assert git(project, "branch", "--format=%(refname:short)").split() == ["main",
                                                                          "selfheal/mine"]


@pytest.mark.parametrize("command", ["list", "show", "apply", "drop", "clean", "report", "hook"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main([command, "--help"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: selfheal {command}")


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["show"], ["clean", "--older-than",
                                                                  "soon"]],
                         ids=["no command", "unknown command", "missing branch", "bad days"])
def test_usage_errors_exit_with_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    assert "usage: selfheal" in capsys.readouterr().err


def test_operational_errors_exit_with_1_and_no_traceback(tmp_path: Path, project: Path) -> None:
    outside = selfheal(tmp_path, "list")
    missing = selfheal(project, "show", "selfheal/nope")

    assert (outside.returncode, missing.returncode) == (1, 1)
    assert outside.stderr == (f"selfheal: error: {tmp_path} is not inside a git work tree; run "
                              "`git init` there to let selfheal write branches\n")
    assert missing.stderr.startswith("selfheal: error: there is no branch 'selfheal/nope'")
    assert "Traceback" not in outside.stderr + missing.stderr



def test_show_colours_the_diff_on_a_terminal_only(project: Path) -> None:
    make_fix_branch(project, "selfheal/fix")

    coloured, _ = on_terminal(project, "show", "selfheal/fix")
    plain, _ = on_terminal(project, "show", "selfheal/fix", NO_COLOR="1")
    piped = selfheal(project, "show", "selfheal/fix").stdout

    assert "\x1b[32m+    return age >= 18\x1b[0m" in coloured
    assert "\x1b[31m-    return age > 18\x1b[0m" in coloured
    assert ANSI not in plain
    assert ANSI not in piped
    assert "+    return age >= 18" in plain
    assert "+    return age >= 18" in piped


def test_show_piped_into_a_reader_that_stops_early_ends_quietly(project: Path) -> None:
    # `selfheal show BRANCH | head` must not end in an error about a broken pipe.
    branch = "selfheal/20240101-120000-test-adult-at-18"
    # A diff far bigger than a pipe's buffer, so the writer is still writing at the close.
    make_fix_branch(project, branch, rules=FIXED_RULES + "# a long comment\n" * 20000)
    reader = subprocess.Popen(
        [sys.executable, "-m", "pytest_selfheal.cli", "show", branch], cwd=project,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})
    assert reader.stdout is not None
    assert reader.stderr is not None
    assert reader.stdout.readline().startswith(b"branch " + branch.encode())
    reader.stdout.close()
    with reader.stderr:
        assert reader.stderr.read() == b""
    assert reader.wait(timeout=60) == 0
