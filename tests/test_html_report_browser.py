"""The HTML report in headless Chromium, where one is installed: a report with all its
parts (the diff, the leaderboard and an evolution's fitness chart) is checked the way a
reader sees it: laid out, drawn in a screenshot, and without fetching anything from the
network.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from ages_project import PROJECT as AGES_PROJECT
from headless_browser import DevTools, laid_out, network_use, rgb
from html_pages import assert_self_contained, parse, run_selfheal

from pytest_selfheal.testing import OpenAIServer, Request, fenced, make_git_project

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome", "headless_shell")
TOO_YOUNG = fenced('''
    def is_adult(age):
        """Whether someone of this age is an adult: 18 or older."""
        return age >= 17
''')
RIGHT = fenced('''
    def is_adult(age):
        """Whether someone of this age is an adult: 18 or older."""
        return age >= 18
''')


def answer(request: Request) -> str:
    """The fake model past its scripted answers: the right fix, or a new prompt when the
    evolution asks it to rewrite the losing strategy's."""
    if "improve system prompts" in request.text:
        return "You are a careful engineer: check both sides of every boundary."
    return RIGHT


@pytest.fixture(scope="session")
def chromium() -> str:
    """The headless Chromium on PATH; a test that needs one skips where there is none.

    Session-scoped, so that it skips before the module's runs are made for nothing.
    """
    browser = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    if browser is None:
        pytest.skip(f"no headless Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)}); "
                    "as root on Debian, .ci/run installs one")
    return browser


@pytest.fixture(scope="module")
def evolved_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], int]:
    """One real `pytest --selfheal --selfheal-engine evolve` run, its model the fake OpenAI
    server on loopback: its project, its JSON report, and the number of the heal that
    has a fitness chart besides a diff and a leaderboard."""
    root = make_git_project(tmp_path_factory.mktemp("evolved") / "project", AGES_PROJECT)
    # Generation 0 is seeded with the wrong fix only, so the chart has a rise to show.
    with OpenAIServer([TOO_YOUNG, TOO_YOUNG], respond=answer) as server:
        result = run_selfheal(
            root, "--selfheal-engine", "evolve", "--selfheal-model", "fake-model",
            "--selfheal-population", "2",
            environment={"OPENAI_BASE_URL": server.url,
                         "OPENAI_API_KEY": "sk-html-report-0123456789"})
    report = json.loads((root / "report.json").read_text())
    (root / "report.json").unlink()
    number, heal = next(((number, heal) for number, heal in enumerate(report["heals"], 1)
                         if heal.get("fitness_per_generation")), (0, {}))
    assert heal.get("diff"), result.stdout
    assert heal["leaderboard"], result.stdout
    assert heal["fitness_per_generation"][0] < 1 <= max(heal["fitness_per_generation"])
    return root, report, number


def test_the_report_renders_in_headless_chromium(
    chromium: str, evolved_run: tuple[Path, dict[str, Any], int], tmp_path: Path,
) -> None:
    root, report, number = evolved_run
    heal = report["heals"][number - 1]
    page = root / ".selfheal/reports/latest.html"
    source = page.read_text(encoding="utf-8")
    document = parse(source)
    assert_self_contained(document, source)

    with DevTools(chromium, tmp_path) as browser:
        shown = browser.show(page.as_uri(), f"#heal-{number}")
    layout, picture = shown.layout, shown.picture

    assert layout["title"] == document.find_all("h1")[0].text
    for name in ("diff", "leaderboard", "chart"):
        part = layout[name]
        assert part is not None, f"no {name} in the rendered page"
        x, _, width, height = part["box"]
        assert part["drawn"], f"the {name} is not drawn: {part}"
        assert part["onTop"], f"something covers the {name}: {part}"
        assert width > 0, part
        assert height > 0, part
        assert x >= 0, f"the {name} is cut off on the left: {part['box']}"
        assert x + width <= layout["width"], f"the {name} is cut off on the right: {part['box']}"

    # The diff: its removed and added lines as the JSON report has them, each drawn on
    # its own highlight (the pixels of the screenshot say so, not only the style sheet).
    changed = [line for line in heal["diff"].splitlines()
               if line[:1] in ("-", "+") and line[:3] not in ("---", "+++")]
    diff = layout["diff"]
    assert [text for kind, text in diff["lines"] if kind in ("add", "del")] == changed
    background = picture.colours((0, 0, picture.width, 1)).most_common(1)[0][0]
    in_diff = picture.colours(diff["box"])
    for highlight in (diff["added"], diff["removed"]):
        assert rgb(highlight) != background
        assert in_diff[rgb(highlight)] >= 1000, (highlight, in_diff.most_common(5))

    # The leaderboard: one row per candidate, in rank order, each saying what the
    # candidate changed and how it fared; and its text is drawn.
    header, *rows = layout["leaderboard"]["rows"]
    change, verdict = header.index("change"), header.index("verdict")
    assert [laid_out(row[change]) for row in rows] == [
        laid_out(entry["change"]) for entry in heal["leaderboard"]]
    assert [laid_out(row[verdict]) for row in rows] == [
        "passed" if entry["passed"] else laid_out(entry["reason"])
        for entry in heal["leaderboard"]]
    ink = sum(count for colour, count in picture.colours(layout["leaderboard"]["box"]).items()
              if sum(colour) < 3 * 128)
    assert ink >= 100 * len(rows), ink

    # The chart: a dot per generation, left to right, the best generation drawn above
    # generation 0 (which had only the wrong fix), and its line drawn.
    chart = layout["chart"]
    fitness = heal["fitness_per_generation"]
    dots = chart["dots"]
    assert len(dots) == len(fitness)
    assert all(diameter > 0 for _, _, diameter in dots)
    assert [x for x, _, _ in dots] == sorted({x for x, _, _ in dots})
    assert dots[fitness.index(max(fitness))][1] < dots[0][1]
    line = picture.colours(chart["box"])[rgb(chart["line"])]
    assert line >= 50, line

    # The screenshot is a page, not a blank: many colours, and far from all background.
    everything = picture.colours()
    assert len(everything) >= 64
    assert everything[background] <= 0.95 * picture.width * picture.height

    # Nothing fetched: the page asked for nothing but itself, and by the browser's own
    # log of the network no request came from the page and no connection was opened.
    assert shown.requests == [page.as_uri()]
    assert network_use(browser.netlog) == ([], [])
