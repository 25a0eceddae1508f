"""The ``selfheal`` review commands on real repositories: list, show, apply, drop, clean, report.

The round trip runs `pytest --selfheal` and then the ``selfheal`` command as a user
would, each in its own process. The other tests build their fix branches with the same
git plumbing and commit messages the healer uses (cheaper than a heal each) and call
``selfheal`` in-process through ``main``; colour and progress bars need a real terminal
and run the command in a subprocess on a pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pytest_selfheal import commits
from pytest_selfheal.cli import main
from pytest_selfheal.gitrepo import GitRepo
from pytest_selfheal.models import Candidate, Failure, Fitness, FunctionRef
from pytest_selfheal.store import Exchange, Store
from pytest_selfheal.testing import git, make_git_project

RULES = '''\
def is_adult(age):
    """Whether someone of this age is an adult: 18 or older."""
    return age > 18
'''
FIXED_RULES = RULES.replace("age > 18", "age >= 18")
TESTS = '''\
from ages.rules import is_adult


def test_adult_at_18():
    assert is_adult(18)


def test_not_adult_at_17():
    assert not is_adult(17)
'''
PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "README.md": "# ages\n",
    "src/ages/__init__.py": "",
    "src/ages/rules.py": RULES,
    "tests/test_rules.py": TESTS,
}
NODEID = "tests/test_rules.py::test_adult_at_18"
ANSI = "\x1b["


def selfheal(root: Path, *args: str, **options: object) -> subprocess.CompletedProcess[str]:
    """The ``selfheal`` command in its own process, started in ``root``."""
    return subprocess.run([sys.executable, "-m", "pytest_selfheal.cli", *args], cwd=root,
                          capture_output=True, text=True, timeout=120, check=False,
                          **options)  # type: ignore[call-overload]


def fix_message(run_id: str = "20240101-120000", nodeid: str = NODEID) -> str:
    function = FunctionRef("src/ages/rules.py", "is_adult", 1, 3)
    return commits.fix_message(
        [Failure(nodeid, "call", "AssertionError", "assert False", "")],
        Candidate(function, FIXED_RULES, "compare-swap", "line 3: `age > 18` -> `age >= 18`", 3),
        "src/ages/rules.py",
        fitness=Fitness(1.0, 2, 2, 0.001, 0.001, None), candidates_evaluated=3,
        lines_changed=2, run_id=run_id, engine="offline", model=None)


def make_fix_branch(root: Path, name: str, *, rules: str = FIXED_RULES,
                    snapshot: str | None = None) -> str:
    """Write a selfheal branch as the healer does: on HEAD, an optional snapshot under it."""
    repo = GitRepo.discover(root)
    parent = repo.head_commit()
    if snapshot is not None:
        parent = repo.commit_files(name, {"src/ages/rules.py": snapshot.encode()},
                                   commits.snapshot_message("uncommitted changes to "
                                                            "src/ages/rules.py", "20240101"),
                                   parent=parent)
    return repo.commit_files(name, {"src/ages/rules.py": rules.encode()}, fix_message(),
                             parent=parent)


def state(root: Path) -> tuple[str, str, str, bytes]:
    """HEAD, what is staged, ``git status`` and the suspect file: what apply must not half-do.

    The staged entries rather than the index file's bytes: an aborted cherry-pick
    restores the files it touched, which refreshes their cached stat data in the index.
    """
    return (git(root, "rev-parse", "HEAD"), git(root, "ls-files", "--stage"),
            git(root, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all"),
            (root / "src/ages/rules.py").read_bytes())


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


def on_terminal(root: Path, *args: str, **environment: str) -> tuple[str, str]:
    """Run ``selfheal ARGS`` with stdout and stderr on pseudo-terminals; return both."""
    outputs = []
    masters, slaves = zip(*(pty.openpty() for _ in range(2)), strict=True)
    command = [sys.executable, "-m", "pytest_selfheal.cli", *args]
    with subprocess.Popen(command, cwd=root, stdout=slaves[0], stderr=slaves[1],
                          env={**os.environ, "TERM": "xterm", **environment}) as process:
        for slave in slaves:
            os.close(slave)
        for master in masters:
            chunks = []
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed its end
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(master)
            outputs.append(b"".join(chunks).decode())
        assert process.wait(timeout=120) == 0, outputs
    return outputs[0], outputs[1]


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


def old_branches(project: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> list[str]:
    """``count`` selfheal branches committed 40 days ago."""
    forty_days_ago = f"{int(time.time()) - 40 * 86400} +0000"
    with monkeypatch.context() as patch:
        patch.setenv("GIT_COMMITTER_DATE", forty_days_ago)
        names = [f"selfheal/old-{number}" for number in range(count)]
        for name in names:
            make_fix_branch(project, name)
    return names


def test_clean_draws_a_progress_bar_on_a_terminal_only(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    old_branches(project, monkeypatch, 3)
    # An empty temporary directory: no scratch directory of anything else to list.
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    _, progress = on_terminal(project, "clean", "--dry-run", TMPDIR=str(scratch))
    piped = selfheal(project, "clean", "--dry-run", env={**os.environ, "TMPDIR": str(scratch)})

    assert "dropping old branches [" in progress
    assert "] 3/3" in progress
    assert piped.stderr == ""
    assert piped.stdout.count("would remove branch selfheal/old-") == 3


def test_clean_removes_old_branches_and_reports_and_keeps_recent_and_foreign_ones(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    old = old_branches(project, monkeypatch, 2)
    make_fix_branch(project, "selfheal/recent")
    git(project, "branch", "feature")
    reports = project / ".selfheal/reports"
    reports.mkdir(parents=True)
    (reports / "old.html").write_text("<html></html>")
    (reports / "new.html").write_text("<html></html>")
    forty_days_ago = time.time() - 40 * 86400
    os.utime(reports / "old.html", (forty_days_ago, forty_days_ago))
    store = Store.for_project(project)
    for run_id, started in (("old-run", time.localtime(forty_days_ago)),
                            ("new-run", time.localtime())):
        store.begin_run(run_id, time.strftime("%Y-%m-%dT%H:%M:%S", started), "openai", "m")
        store.record(Exchange(run_id, f"hash-{run_id}", "m", ({"role": "user", "content": "q"},),
                              {}, ("answer",), 1, 1, 0.1, 0.0))
    store.close()
    # An empty temporary directory: clean must not judge other processes' scratch here.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    arguments = ["-C", str(project), "clean", "--older-than", "30"]

    assert main([*arguments, "--dry-run"]) == 0
    assert "would clean 4 items" in capsys.readouterr().out
    assert len(git(project, "branch", "--list", "selfheal/*").split()) == 3
    assert [run.id for run in Store.for_project(project).runs()] == ["old-run", "new-run"]

    assert main(arguments) == 0

    out = capsys.readouterr().out
    for name in old:
        assert f"removed branch {name} ({NODEID}), 40 days old; restore: git branch {name} " \
            in out
    assert git(project, "branch", "--format=%(refname:short)").split() == [
        "feature", "main", "selfheal/recent"]
    assert sorted(path.name for path in reports.iterdir()) == ["new.html"]
    assert "removed the model exchanges and lineage of run old-run from the store" in out
    kept = Store.for_project(project)
    assert [run.id for run in kept.runs()] == ["new-run"]
    assert kept.cached("hash-old-run") is None
    assert kept.cached("hash-new-run") is not None


def test_report_prints_the_newest_html_report(
    project: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["-C", str(project), "report"]) == 1
    assert "no HTML report at or above" in capsys.readouterr().err

    reports = project / ".selfheal/reports"
    reports.mkdir(parents=True)
    (reports / "latest.html").write_text("<html></html>")
    assert main(["-C", str(project / "src"), "report"]) == 0
    assert capsys.readouterr().out == f"{reports / 'latest.html'}\n"


def test_clean_removes_the_worktree_of_an_interrupted_hook_but_not_a_running_ones(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    interrupted = subprocess.Popen([sys.executable, "-c", "pass"])
    interrupted.wait()  # its pid now names no live process: the hook that died
    hooks = {}
    for name, pid in (("interrupted", interrupted.pid), ("running", os.getpid())):
        hooks[name] = scratch / f"selfheal-hook-{name}"
        hooks[name].mkdir()
        (hooks[name] / "owner.pid").write_text(f"{pid}\n")
        git(project, "worktree", "add", "-q", "--detach", str(hooks[name] / "project"))

    assert main(["-C", str(project), "clean"]) == 0

    out = capsys.readouterr().out
    assert f"removed scratch directory {hooks['interrupted']}" in out
    assert f"forgot the removed hook worktree {hooks['interrupted'] / 'project'}" in out
    assert not hooks["interrupted"].exists()
    assert (hooks["running"] / "project/src/ages/rules.py").exists()
    listed = git(project, "worktree", "list", "--porcelain")
    assert str(hooks["running"] / "project") in listed
    assert str(hooks["interrupted"] / "project") not in listed


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
