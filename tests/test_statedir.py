"""The .selfheal/ state directory: reports kept per run, invisible to git."""

from __future__ import annotations

from pathlib import Path

from pytest_selfheal._statedir import write_html_report
from pytest_selfheal.testing import git, make_git_project


def test_two_runs_in_the_same_second_keep_both_reports_and_the_newest_is_latest(
    tmp_path: Path,
) -> None:
    first = write_html_report(tmp_path, "20240101-120000", "<p>first</p>")
    second = write_html_report(tmp_path, "20240101-120000", "<p>second</p>")

    reports = tmp_path / ".selfheal/reports"
    assert (first.name, second.name) == ("20240101-120000.html", "20240101-120000-2.html")
    assert first.read_text() == "<p>first</p>"
    assert (reports / "latest.html").read_text() == "<p>second</p>"


def test_the_state_directory_never_shows_in_git_status_and_the_users_gitignore_is_untouched(
    tmp_path: Path,
) -> None:
    root = make_git_project(tmp_path / "project", {".gitignore": "*.log\n", "a.py": ""})

    write_html_report(root, "20240101-120000", "<p>report</p>")

    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert (root / ".gitignore").read_text() == "*.log\n"
    git(root, "add", "-A")
    assert git(root, "diff", "--cached", "--name-only") == ""
