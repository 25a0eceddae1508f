"""Reading the HTML report as a browser would not: parsed with the standard library, and
made by a real `pytest --selfheal` run. Shared by the HTML report's test modules."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

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


