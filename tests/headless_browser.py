"""A headless Chromium driven over the DevTools protocol, and the PNG screenshots it takes:
what test_html_report_browser.py sees of a report, with the standard library only."""

from __future__ import annotations

import base64
import collections
import itertools
import json
import math
import os
import queue
import re
import struct
import subprocess
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
