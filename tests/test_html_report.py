"""The HTML report of a run: written to .selfheal/reports/, self-contained, and complete.

The page is parsed with the standard library's HTML parser and checked against the
JSON report of the same run: each heal's diff, the candidate leaderboard, the
localization scores and the budget. It is rendered once in headless Chromium where one
is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pytest_selfheal.html_report import render
from pytest_selfheal.testing import git, make_git_project

PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "src/ages/__init__.py": "",
    "src/ages/rules.py": 'def is_adult(age):\n    """18 or older."""\n    return age > 18\n',
    "tests/test_rules.py": (
        "from ages.rules import is_adult\n\n\n"
        "def test_adult_at_18():\n    assert is_adult(18)\n\n\n"
        "def test_not_adult_at_17():\n    assert not is_adult(17)\n"
    ),
}
#: Elements that never have an end tag.
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "area", "base", "source"}
#: Elements that fetch or run something: a self-contained page has none.
FETCHING = {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source"}


@dataclass
class Element:
    tag: str
    attributes: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text
                       for child in self.children)

    def find_all(self, tag: str, css_class: str | None = None) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                classes = child.attributes.get("class", "").split()
                if child.tag == tag and (css_class is None or css_class in classes):
                    found.append(child)
                found.extend(child.find_all(tag, css_class))
        return found


class TreeBuilder(HTMLParser):
    """Builds an element tree and fails on an end tag that closes the wrong element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Element:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert [element.tag for element in builder.stack] == ["#document"], "unclosed elements"
    return builder.root


def every_element(element: Element) -> list[Element]:
    return [child for child in element.children if isinstance(child, Element)] + [
        nested for child in element.children if isinstance(child, Element)
        for nested in every_element(child)]


def assert_self_contained(document: Element, page: str) -> None:
    """Nothing that fetches from anywhere or runs: it opens the same offline."""
    for element in every_element(document):
        assert element.tag not in FETCHING, element.tag
        for name, value in element.attributes.items():
            assert not name.startswith("on"), (element.tag, name)
            assert "//" not in value, (name, value)
            assert not value.startswith("javascript:"), (name, value)
    assert "url(" not in page
    assert "@import" not in page


def rows(table: Element) -> list[list[str]]:
    return [[cell.text for cell in row.children if isinstance(cell, Element)]
            for row in table.find_all("tr")]


def table_after(section: Element, heading: str) -> Element:
    """The table that follows the ``<h3>`` named ``heading`` in ``section``."""
    children = [child for child in section.children if isinstance(child, Element)]
    for position, child in enumerate(children):
        if child.tag == "h3" and child.text == heading:
            return next(c for c in children[position + 1:] if c.tag == "table")
    raise AssertionError(f"no {heading!r} heading")


@pytest.fixture(scope="module")
def healed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """One real `pytest --selfheal` run: its project, its output and its JSON report."""
    root = make_git_project(tmp_path_factory.mktemp("html") / "project", PROJECT)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--selfheal", "--selfheal-report", "report.json",
         "-p", "no:cacheprovider"], cwd=root, capture_output=True, text=True, timeout=300,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("SELFHEAL_",
                                                                          "OPENAI_"))},
             "PYTHONDONTWRITEBYTECODE": "1"}, check=False)
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


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome", "headless_shell")


def test_the_report_renders_in_headless_chromium(healed_run, tmp_path: Path) -> None:
    browser = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    if browser is None:
        pytest.skip(f"no headless Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)})")
    root, _, _ = healed_run
    page = root / ".selfheal/reports/latest.html"
    result = subprocess.run(
        [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    rendered = parse(result.stdout)
    assert rendered.find_all("h1")[0].text == "selfheal report: 1 healed"
    assert rendered.find_all("pre", "diff")
