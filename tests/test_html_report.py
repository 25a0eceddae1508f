"""The HTML report of a run: written to .selfheal/reports/, self-contained, and complete.

The page is parsed with the standard library's HTML parser and checked against the
JSON report of the same run: each heal's diff, the candidate leaderboard, the
localization scores and the budget. A report with all its parts (the diff, the
leaderboard and an evolution's fitness chart) is also opened in headless Chromium, where
one is installed, and checked the way a reader sees it: laid out, drawn in a screenshot,
and without fetching anything from the network.
"""

from __future__ import annotations

import base64
import collections
import itertools
import json
import math
import os
import queue
import re
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from ages_project import PROJECT as AGES_PROJECT

from pytest_selfheal._reports.html_report import render
from pytest_selfheal.testing import OpenAIServer, Request, fenced, git, make_git_project

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
#: The one URL a self-contained page may hold: the name of the SVG namespace.
SVG_NAMESPACE = ("xmlns", "http://www.w3.org/2000/svg")


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
            # The chart's xmlns is an identifier, never fetched.
            assert "//" not in value or (name, value) == SVG_NAMESPACE, (name, value)
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


def run_selfheal(root: Path, *options: str, environment: Mapping[str, str] | None = None,
                 ) -> subprocess.CompletedProcess[str]:
    """`pytest --selfheal` in ``root``, in a fresh process that sees none of this session's
    selfheal or OpenAI settings, only ``environment``; its JSON report is ``report.json``."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--selfheal", "--selfheal-report", "report.json",
         "-p", "no:cacheprovider", *options], cwd=root, capture_output=True, text=True,
        timeout=300,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("SELFHEAL_",
                                                                          "OPENAI_"))},
             "PYTHONDONTWRITEBYTECODE": "1", **(environment or {})}, check=False)


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

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome", "headless_shell")
#: Headless, as root in a container, and keeping to itself: without the background
#: networking flags the browser opens connections of its own (updates, clock, sign-in).
#: Every host name, IP literals included, resolves to nothing, so not even a broken
#: report could fetch anything while it is checked.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-pipe")
#: How long the browser may take over one command before the test gives up on it.
ANSWER_TIMEOUT_S = 120
#: What the rendered page shows of each part of the heal whose section it is given:
#: where the part is drawn, whether it is drawn at all and on top (what a click at its
#: centre would hit), and its text and colours as laid out.
PROBE = """
(section) => document.fonts.ready.then(() => {
  const part = (heading, details) => {
    const title = [...document.querySelectorAll(`${section} > h3`)]
      .find((h) => h.textContent === heading);
    const element = title && title.nextElementSibling;
    if (!element) return null;
    const box = element.getBoundingClientRect();
    const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
    return {box: [box.x, box.y, box.width, box.height],
            drawn: element.checkVisibility({opacityProperty: true, visibilityProperty: true}),
            onTop: element.contains(hit), ...details(element)};
  };
  const colour = (element, property) => element && getComputedStyle(element)[property];
  return {
    width: document.documentElement.clientWidth,
    title: document.querySelector("h1").innerText,
    diff: part("Diff", (pre) => ({
      lines: [...pre.children].map((line) => [line.className, line.innerText]),
      added: colour(pre.querySelector(".add"), "backgroundColor"),
      removed: colour(pre.querySelector(".del"), "backgroundColor"),
    })),
    leaderboard: part("Candidate leaderboard", (table) => ({
      rows: [...table.rows].map((row) => [...row.cells].map((cell) => cell.innerText)),
    })),
    chart: part("Fitness per generation", (svg) => ({
      line: colour(svg.querySelector("polyline"), "stroke"),
      dots: [...svg.querySelectorAll("circle")].map((dot) => {
        const box = dot.getBoundingClientRect();
        return [box.x + box.width / 2, box.y + box.height / 2, box.width];
      }),
    })),
  };
})
"""

#: The model's first fix misses the boundary the other way; the later ones are right.
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


@dataclass(frozen=True)
class Picture:
    """A decoded screenshot: ``rows`` of pixels, top to bottom, ``channels`` bytes each
    (red, green, blue, and alpha when there are four)."""

    width: int
    height: int
    channels: int
    rows: list[bytes]

    def colours(self, box: Sequence[float] | None = None,
                ) -> collections.Counter[tuple[int, ...]]:
        """How many pixels of each colour (red, green, blue) there are inside ``box``
        (x, y, width, height in pixels), or in the whole picture."""
        x, y, width, height = box or (0, 0, self.width, self.height)
        left, top = max(0, math.ceil(x)), max(0, math.ceil(y))
        right = min(self.width, math.floor(x + width))
        bottom = min(self.height, math.floor(y + height))
        step = self.channels
        counts: collections.Counter[tuple[int, ...]] = collections.Counter()
        for row in self.rows[top:bottom]:
            pixels = row[left * step:right * step]
            counts.update(zip(pixels[0::step], pixels[1::step], pixels[2::step], strict=True))
        return counts


def decode_png(data: bytes) -> Picture:
    """The pixels of an 8-bit, non-interlaced RGB or RGBA PNG, as Chromium writes them."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: dict[bytes, list[bytes]] = collections.defaultdict(list)
    position = 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunks[kind].append(data[position + 8:position + 8 + length])
        position += length + 12
    width, height, depth, colour_type, _, _, interlace = struct.unpack(
        ">IIBBBBB", chunks[b"IHDR"][0])
    assert (depth, colour_type, interlace) in {(8, 2, 0), (8, 6, 0)}, "unexpected PNG format"
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    raw = zlib.decompress(b"".join(chunks[b"IDAT"]))
    low_bits = int.from_bytes(b"\x7f" * stride, "big")
    top_bits = int.from_bytes(b"\x80" * stride, "big")
    rows: list[bytes] = []
    above = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], raw[start + 1:start + 1 + stride]
        if kind == 2:
            # "Up", the filter of every row of a screenshot encoded for speed: each byte
            # was stored less the byte above. Add them back for the whole row at once, a
            # byte a lane: the low seven bits of each byte add without reaching the next
            # byte, and the top bits add without carry, as an exclusive or.
            value, over = int.from_bytes(line, "big"), int.from_bytes(above, "big")
            line = (((value & low_bits) + (over & low_bits))
                    ^ ((value ^ over) & top_bits)).to_bytes(stride, "big")
        elif kind:
            line = unfilter(kind, bytearray(line), above, channels)
        rows.append(line)
        above = line
    return Picture(width, height, channels, rows)


def unfilter(kind: int, line: bytearray, above: bytes, channels: int) -> bytes:
    """Undo the filters other than "Up" (PNG specification 9.2): each byte was stored
    less a prediction made from the byte to its left, the one above, or both."""
    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        up = above[i]
        if kind == 1:
            prediction = left
        elif kind == 3:
            prediction = (left + up) // 2
        else:
            corner = above[i - channels] if i >= channels else 0
            guess = left + up - corner
            prediction = min((abs(guess - left), 0, left), (abs(guess - up), 1, up),
                             (abs(guess - corner), 2, corner))[2]
        line[i] = (line[i] + prediction) & 0xFF
    return bytes(line)


def laid_out(text: str) -> str:
    """``text`` as a browser shows it outside ``<pre>``: each run of white space one space."""
    return " ".join(text.split())


def rgb(css_colour: str) -> tuple[int, ...]:
    """``rgb(218, 251, 225)``, as a computed style gives it, as (red, green, blue)."""
    return tuple(int(number) for number in re.findall(r"\d+", css_colour)[:3])


@dataclass(frozen=True)
class Shown:
    """What a page looked like in the browser: :data:`PROBE`'s findings, the screenshot
    of the whole page, and every URL the page asked for."""

    layout: dict[str, Any]
    picture: Picture
    requests: list[str]


class DevTools:
    """A headless Chromium driven over the DevTools protocol on a pipe.

    With ``--remote-debugging-pipe`` the browser reads commands on its descriptor 3 and
    writes answers and events on its descriptor 4, each a JSON text ended by a NUL
    byte: the standard library is enough, no WebSocket client needed. What the browser
    did on the network goes to its net-log, complete once the browser has exited.
    """

    def __init__(self, executable: str, workdir: Path) -> None:
        self.netlog = workdir / "netlog.json"
        self.log = workdir / "chromium.log"
        home = workdir / "home"
        home.mkdir()
        with self.log.open("wb") as log:
            # The shell hands our pipes to the browser as its descriptors 3 and 4; its
            # own standard output joins its log.
            self.process = subprocess.Popen(
                ["/bin/sh", "-c", 'exec "$@" 3<&0 4>&1 0</dev/null 1>&2', "sh", executable,
                 *CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'profile'}",
                 f"--log-net-log={self.netlog}", "about:blank"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                # Its caches and crash reports go under the test's directory.
                env={**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home),
                     "XDG_CACHE_HOME": str(home)})
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self.numbers = itertools.count(1)
        self.reader = threading.Thread(target=self._receive, daemon=True)
        self.reader.start()

    def __enter__(self) -> DevTools:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _receive(self) -> None:
        assert self.process.stdout is not None
        pending = b""
        while chunk := self.process.stdout.read1(1 << 16):
            *messages, pending = (pending + chunk).split(b"\0")
            for message in messages:
                self.inbox.put(json.loads(message))
        self.inbox.put(None)  # the browser closed its end: it has exited

    def _next(self, awaited: str) -> dict[str, Any]:
        try:
            message = self.inbox.get(timeout=ANSWER_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(f"Chromium gave no {awaited} in {ANSWER_TIMEOUT_S}s; "
                                 f"its log: {self.log}") from None
        assert message is not None, (f"Chromium exited awaiting {awaited}:\n"
                                     + self.log.read_text(errors="replace")[-3000:])
        return message

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send a command (to the page of ``session``, if given) and return its result."""
        assert self.process.stdin is not None
        number = next(self.numbers)
        command = {"id": number, "method": method, "params": params,
                   **({"sessionId": session} if session else {})}
        self.process.stdin.write(json.dumps(command).encode() + b"\0")
        self.process.stdin.flush()
        while (message := self._next(f"answer to {method}")).get("id") != number:
            self.events.append(message)
        assert "error" not in message, (method, message["error"])
        result: dict[str, Any] = message["result"]
        return result

    def wait_for(self, method: str, session: str) -> None:
        """Return once the page of ``session`` has sent the event ``method``."""
        def is_awaited(message: dict[str, Any]) -> bool:
            return message.get("method") == method and message.get("sessionId") == session

        if not any(is_awaited(event) for event in self.events):
            while not is_awaited(message := self._next(method)):
                self.events.append(message)
            self.events.append(message)

    def show(self, url: str, section: str, width: int = 1000) -> Shown:
        """Open ``url`` in a new tab ``width`` CSS pixels wide, once it has loaded make
        the window as tall as the page, and take what is shown of the ``section``
        (a CSS selector) and of the whole page."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Network.enable", session)
        self.call("Page.enable", session)
        window = {"width": width, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", session, height=600, **window)
        self.call("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired", session)
        # The whole page in the window: every part can be hit-tested where it is drawn,
        # and one screenshot, pixel for CSS pixel, shows it all.
        height = self.call("Page.getLayoutMetrics", session)["cssContentSize"]["height"]
        self.call("Emulation.setDeviceMetricsOverride", session, height=math.ceil(height),
                  **window)
        probed = self.call("Runtime.evaluate", session, awaitPromise=True, returnByValue=True,
                           expression=f"({PROBE})({json.dumps(section)})")
        assert "exceptionDetails" not in probed, probed["exceptionDetails"]
        screenshot = self.call("Page.captureScreenshot", session, format="png",
                               optimizeForSpeed=True)
        requests = [event["params"]["request"]["url"] for event in self.events
                    if event.get("sessionId") == session
                    and event.get("method") == "Network.requestWillBeSent"]
        return Shown(probed["result"]["value"], decode_png(base64.b64decode(screenshot["data"])),
                     requests)

    def close(self) -> None:
        """Close the browser and wait for it to exit, so that its net-log is complete."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps({"id": 0, "method": "Browser.close"}).encode()
                                     + b"\0")
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # it had exited already
        try:
            self.process.wait(timeout=ANSWER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(ANSWER_TIMEOUT_S)
        self.process.stdout.close()


def network_use(netlog: Path) -> tuple[list[str], list[str]]:
    """From a Chromium net-log: the URLs a page asked the network stack for (requests the
    browser made for itself are left out), and every network connection opened."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    asked, connected = [], []
    for event in log["events"]:
        name, params = names[event["type"]], event.get("params", {})
        if name == "URL_REQUEST_START_JOB" and "url" in params:
            if params.get("initiator") != "not an origin":
                asked.append(params["url"])
        elif name in {"TCP_CONNECT", "UDP_BYTES_SENT", "SSL_CONNECT"}:
            connected.append(f"{name} {params}")
    return asked, connected


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
