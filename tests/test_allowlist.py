"""Screening of model-written code: the bypasses a security review found are refused,
and ordinary fixes pass."""

from __future__ import annotations

import pytest

from pytest_selfheal._evaluate.screen import screen
from pytest_selfheal.models import Candidate, FunctionRef

ORIGINAL = "import os\nimport socket\n\n\ndef double(x):\n    return x + x + 1\n"
FUNCTION = FunctionRef("src/calc/ops.py", "double", 5, 6)


def screened(body: str, before: str = "") -> str:
    source = f"import os\nimport socket\n{before}\n\ndef double(x):\n    {body}\n"
    candidate = Candidate(FUNCTION, source, "llm-fenced", "a reply", 6)
    return screen(ORIGINAL, candidate, model_written=True, project_modules={"calc"})


@pytest.mark.parametrize(("body", "reason"), [
    ('__import__("sys").modules["socket"]', "reaches the interpreter's machinery"),
    ('os.sys.modules["socket"].socket()', "reads .modules"),
    ('os.fdopen(os.open("/tmp/x", 1), "a").write("x")', "uses os.fdopen"),
    ('return x if os.environ.get("PYTEST" + "_CURRENT_TEST") else 0', "mentions 'pytest'"),
    ("return ().__class__.__base__.__subclasses__()", "reads .__subclasses__"),
    ('vars(os)["_exit"](0)', "uses vars"),
    ('__builtins__["exec"]("x = 1")', "uses __builtins__"),
    ('getattr(os, "wri" + "te")(1, b"x")', "looks up an attribute by a computed"),
    ("import ctypes", "imports ctypes"),
    ("import gc\n    gc.get_objects()", "imports gc"),
    ("return globals()", "uses globals"),
])
def test_a_model_reply_that_reaches_for_the_machinery_is_refused(body: str, reason: str):
    assert reason in screened(body)


def test_module_level_code_of_a_reply_is_screened_too():
    assert "uses os.system" in screened("return x + x", before='os.system("id")')


@pytest.mark.parametrize("body", [
    "return x + x",
    '"""Twice x."""\n    return 2 * x',
    "import math\n    return math.fsum([x, x])",
    "from calc import helpers\n    return helpers.twice(x)",
    'return getattr(x, "real", x) * 2',
])
def test_ordinary_fixes_pass(body: str):
    assert screened(body) == ""


def test_offline_edits_keep_the_screening_of_added_dangers_only():
    candidate = Candidate(FUNCTION, ORIGINAL.replace("x + x + 1", "x + x"), "compare", "", 6)
    assert screen(ORIGINAL, candidate) == ""
