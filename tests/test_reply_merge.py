"""Whole replies land where a person would put each part: imports with the imports,
helpers before their user, redefinitions only when clear; and hot reload loads them."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from pytest_selfheal._source.reload import swap_changes
from pytest_selfheal.engines._refine.replies import ReplyScope, apply_reply
from pytest_selfheal.engines._refine.reply_merge import Target
from pytest_selfheal.engines._refine.reply_parts import code_blocks, without_thinking
from pytest_selfheal.errors import ReplyError

MODULE = '''\
"""Prices."""

from __future__ import annotations

import math
from decimal import Decimal, ROUND_HALF_UP

RATE = 0.2


def taxed(amount):
    return amount * (1 + RATE)


def rounded(amount):
    return math.floor(amount)
'''


def scope(qualname: str, *, path: str = "prices.py", source: str = MODULE,
          is_new: bool = False, others: dict[str, str] | None = None) -> ReplyScope:
    """Where a reply goes: ``qualname`` of ``path``, whose text is ``source``; ``others``
    are the other modules it may change."""
    return ReplyScope(Target(path, qualname, is_new=is_new), {**(others or {}), path: source})


def namespace_of(source: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(source, "prices.py", "exec"), namespace)
    return namespace


def test_imports_are_merged_once_after_the_existing_ones() -> None:
    reply = ("```python\nimport math\nfrom decimal import Decimal\nimport fractions\n\n\n"
             "def rounded(amount):\n    return float(fractions.Fraction(math.floor(amount * 100),"
             " 100))\n```")
    applied = apply_reply(reply, scope("rounded"))
    assert applied.source.count("import math") == 1
    assert "from decimal import Decimal\n" not in applied.source  # bound already
    assert applied.source.index("import fractions") > applied.source.index("from decimal")
    assert applied.source.index("import fractions") < applied.source.index("RATE = 0.2")
    assert namespace_of(applied.source)["rounded"](1.239) == 1.23  # type: ignore[operator]
    assert applied.added == ("`import fractions`",)


def test_an_import_inside_the_block_between_functions_is_merged_too() -> None:
    reply = ("```python\ndef _half(value):\n    return value / 2\n\nimport statistics\n\n"
             "def rounded(amount):\n    return statistics.mean([_half(amount), amount])\n```")
    applied = apply_reply(reply, scope("rounded"))
    assert "\nimport statistics\n" in applied.source
    assert applied.source.index("def _half") < applied.source.index("def rounded")
    assert namespace_of(applied.source)["rounded"](4) == 3  # type: ignore[operator]


def test_a_constant_is_replaced_only_when_the_reply_clearly_redefines_it() -> None:
    redefined = ("```python\nRATE = 0.25\n\n\ndef taxed(amount):\n"
                 "    return amount * (1 + RATE)\n```")
    assert "RATE = 0.25" in apply_reply(redefined, scope("taxed")).source
    # A function named like an imported name is not a redefinition of the import.
    shadow = ("```python\ndef Decimal(value):\n    return value\n\n\n"
              "def taxed(amount):\n    return Decimal(amount) * 2\n```")
    applied = apply_reply(shadow, scope("taxed"))
    assert "def Decimal" not in applied.source


def test_a_new_class_helper_goes_before_the_function_and_unused_code_is_dropped() -> None:
    reply = ("```python\nclass Money:\n    def __init__(self, amount):\n"
             "        self.amount = amount\n\n\ndef unused_draft():\n    return 1\n\n\n"
             "result = taxed(10)\n\n\ndef taxed(amount):\n"
             "    return Money(amount * (1 + RATE)).amount\n```")
    applied = apply_reply(reply, scope("taxed"))
    assert applied.source.index("class Money") < applied.source.index("def taxed")
    assert "unused_draft" not in applied.source
    assert "result =" not in applied.source
    assert namespace_of(applied.source)["taxed"](10) == 12  # type: ignore[operator]


def test_several_search_replace_blocks_change_several_functions() -> None:
    reply = ("<<<<<<< SEARCH\n    return amount * (1 + RATE)\n=======\n"
             "    return round(amount * (1 + RATE), 2)\n>>>>>>> REPLACE\n\n"
             "<<<<<<< SEARCH\n    return math.floor(amount)\n=======\n"
             "    return math.floor(amount * 100) / 100\n>>>>>>> REPLACE\n")
    applied = apply_reply(reply, scope("taxed"))
    namespace = namespace_of(applied.source)
    assert namespace["taxed"](1.111) == 1.33  # type: ignore[operator]
    assert namespace["rounded"](1.239) == 1.23  # type: ignore[operator]


def test_a_function_of_another_suspect_module_is_rewritten_there() -> None:
    other = "def rate_for(region):\n    return 0.2 if region == 'EU' else 0\n"
    reply = ("```python\ndef rate_for(region):\n    return 0.2 if region.upper() == 'EU' "
             "else 0\n```\n```python\ndef taxed(amount):\n    return amount * 2\n```")
    applied = apply_reply(reply, scope("taxed", others={"rates.py": other}))
    assert "region.upper()" in applied.others["rates.py"]
    assert "region.upper()" not in applied.source


def test_a_missing_class_or_constant_a_test_needs_is_written() -> None:
    applied = apply_reply("```python\nclass Basket:\n    pass\n```",
                          scope("Basket", path="shop/basket.py", source="", is_new=True))
    assert applied.source == "class Basket:\n    pass\n"
    constant = apply_reply("```python\nMAX_ITEMS = 10\n```", scope("MAX_ITEMS", is_new=True))
    assert constant.source.endswith("\n\n\nMAX_ITEMS = 10\n")


def test_crlf_modules_keep_their_line_endings() -> None:
    crlf = MODULE.replace("\n", "\r\n")
    reply = ("```python\nimport fractions\n\ndef rounded(amount):\n"
             "    return fractions.Fraction(1)\n```")
    source = apply_reply(reply, scope("rounded", source=crlf)).source
    assert "\n" not in source.replace("\r\n", "")


def test_reasoning_and_fences_are_found_by_scanning_lines() -> None:
    text = "<THINK>draft\n```python\nx = 1\n```\n</THINK>answer\n~~~py\ny = 2\n~~~\n```python"
    (first, second) = code_blocks(without_thinking(text))
    assert (first.body, first.complete) == ("y = 2", True)
    assert (second.body, second.complete) == ("", False)
    huge = "```" * 50_000 + "<think>" * 50_000  # many openings, no closings: still answered
    assert without_thinking(huge).startswith("```")
    assert len(code_blocks("```\n" * 20_000)) == 10_000


def test_a_last_block_that_does_not_parse_refuses_the_reply() -> None:
    reply = ("```python\ndef taxed(amount):\n    return amount\n```\n"
             "```python\ndef taxed(amount)\n    return amount * 2\n```")
    with pytest.raises(ReplyError, match="does not parse"):
        apply_reply(reply, scope("taxed"))


def test_hot_reload_brings_new_imports_helpers_and_constants_into_the_live_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    module_path = tmp_path / "live_prices.py"
    module_path.write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    live = importlib.import_module("live_prices")
    copied_taxed = live.taxed  # as `from live_prices import taxed` elsewhere holds it
    try:
        reply = ("```python\nimport fractions\n\nSCALE = 100\n\n\ndef _cents(amount):\n"
                 "    return fractions.Fraction(round(amount * SCALE), SCALE)\n\n\n"
                 "def taxed(amount):\n    return float(_cents(amount * (1 + RATE)))\n```")
        new = apply_reply(reply, scope("taxed", path="live_prices.py")).source
        swap_changes(str(module_path), MODULE, new)
        assert copied_taxed(1.0) == 1.2
        assert live.SCALE == 100
        assert live.fractions.Fraction(1, 2) == 0.5
    finally:
        sys.modules.pop("live_prices", None)


OTHER = "def rate_for(region):\n    return 0.2 if region == 'EU' else 0\n"


@pytest.mark.parametrize("shape", ["search-replace", "diff"])
def test_edits_of_two_suspect_modules_change_both(shape: str) -> None:
    if shape == "diff":
        reply = ("```diff\n--- a/rates.py\n+++ b/rates.py\n@@ -1,2 +1,2 @@\n"
                 " def rate_for(region):\n-    return 0.2 if region == 'EU' else 0\n"
                 "+    return 0.2 if region.upper() == 'EU' else 0\n"
                 "--- a/prices.py\n+++ b/prices.py\n@@ -10,2 +10,2 @@\n def taxed(amount):\n"
                 "-    return amount * (1 + RATE)\n+    return round(amount * (1 + RATE), 2)\n```")
    else:
        reply = ("<<<<<<< SEARCH\n    return 0.2 if region == 'EU' else 0\n=======\n"
                 "    return 0.2 if region.upper() == 'EU' else 0\n>>>>>>> REPLACE\n"
                 "<<<<<<< SEARCH\n    return amount * (1 + RATE)\n=======\n"
                 "    return round(amount * (1 + RATE), 2)\n>>>>>>> REPLACE\n")
    applied = apply_reply(reply, scope("taxed", others={"rates.py": OTHER}))
    assert applied.shape == shape
    assert "region.upper()" in applied.others["rates.py"]
    assert "round(amount" in applied.source
