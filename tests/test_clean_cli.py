"""``selfheal clean`` and ``selfheal report`` on real repositories: what is old goes, what
is recent, foreign or still in use stays.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from fix_branches import (
    NODEID,
    PROJECT,
    make_fix_branch,
    on_terminal,
    selfheal,
)

from pytest_selfheal._store import Exchange, Store
from pytest_selfheal.cli import main
from pytest_selfheal.testing import git, make_git_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_git_project(tmp_path / "project", PROJECT)


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
