"""The HTML report of a run: written to .selfheal/reports/, self-contained, and complete.

The page is parsed with the standard library's HTML parser and checked against the
JSON report of the same run: each heal's diff, the candidate leaderboard, the
localization scores and the budget. test_html_report_browser.py opens a report in
headless Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from html_pages import (
    PROJECT,
    assert_self_contained,
    parse,
    rows,
    run_selfheal,
    table_after,
)

from pytest_selfheal._reports.html_report import render
from pytest_selfheal.testing import git, make_git_project


@pytest.fixture(scope="module")
def healed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """One real `pytest --selfheal` run: its project, its output and its JSON report."""
    root = make_git_project(tmp_path_factory.mktemp("html") / "project", PROJECT)
    result = run_selfheal(root)
    assert "HEALED   tests/test_rules.py::test_adult_at_18" in result.stdout, result.stdout
    report = json.loads((root / "report.json").read_text())
    (root / "report.json").unlink()
    return root, result.stdout, report


def test_each_run_writes_its_report_into_selfheal_and_names_it(healed_run) -> None:
    root, output, report = healed_run
    page = root / ".selfheal/reports" / f"{report['run_id']}.html"

    assert f"HTML report: .selfheal/reports/{page.name}" in output
    assert page.read_bytes() == (root / ".selfheal/reports/latest.html").read_bytes()
    # The state directory never shows up for git.
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""


def test_the_report_shows_the_diff_leaderboard_localization_and_budget(healed_run) -> None:
    root, _, report = healed_run
    page = (root / ".selfheal/reports/latest.html").read_text(encoding="utf-8")
    document = parse(page)
    (heal,) = report["heals"]

    assert document.find_all("title")[0].text == "selfheal report: 1 healed"
    (section,) = document.find_all("section", "healed")
    assert heal["tests"][0] in section.find_all("h2")[0].text
    facts = dict(row for row in rows(section.find_all("table")[0]) if len(row) == 2)
    assert facts["branch"] == heal["branch"]
    assert heal["commit"].startswith(facts["commit"])

    (diff,) = section.find_all("pre", "diff")
    assert [span.text for span in diff.find_all("span", "del")] == ["-    return age > 18"]
    assert [span.text for span in diff.find_all("span", "add")] == ["+    return age >= 18"]

    board = rows(table_after(section, "Candidate leaderboard"))[1:]
    assert len(board) == heal["candidates_evaluated"] == len(heal["leaderboard"])
    assert board[0][1] == heal["leaderboard"][0]["change"]
    assert board[0][-1] == "passed"

    localization = rows(table_after(section, "Localization"))[1:]
    assert [(row[0], row[1]) for row in localization] == [
        (suspect["function"], f"{suspect['score']:.3f}") for suspect in heal["suspects"]]

    budget = {row[0]: row[1:] for row in rows(table_after(document.find_all("body")[0],
                                                          "Budget used"))}
    assert set(budget) == {"calls", "tokens", "cost"}
    assert budget["calls"][0] == str(report["budget"]["calls"]["used"])


def test_the_report_is_self_contained(healed_run) -> None:
    root, _, _ = healed_run
    page = (root / ".selfheal/reports/latest.html").read_text(encoding="utf-8")
    assert_self_contained(parse(page), page)


def test_text_from_the_run_is_shown_as_text_never_as_markup() -> None:
    hostile = '<script>alert("x")</script><img src="https://example.com/x.png">'
    page = render({
        "version": "1", "provider": "offline", "heals": [{
            "tests": [f"tests/test_x.py::test_{hostile}"], "status": "unhealed",
            "reason": hostile, "diff": f"+{hostile}\n",
            "suspects": [{"function": hostile, "score": 0.5, "evidence": hostile}],
            "leaderboard": [{"change": hostile, "operator": "x", "passed": False,
                             "reason": hostile, "tests_passed": 0, "tests_total": 1}],
        }],
    })
    document = parse(page)

    assert_self_contained(document, page)
    (section,) = document.find_all("section", "unhealed")
    assert section.find_all("h2")[0].text.endswith(f"tests/test_x.py::test_{hostile}")
    assert [span.text for span in section.find_all("span", "add")] == [f"+{hostile}"]


# -- the report in a real browser ------------------------------------------------------
