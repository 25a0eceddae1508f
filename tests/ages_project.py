"""The project the end-to-end healing tests heal: ``ages``, whose ``is_adult`` is off by
one at 18 (``>`` for ``>=``). Two tests fail on it; the last test runs after the heal.
"""

RULES = '''\
def is_adult(age):
    """Whether someone of this age is an adult: 18 or older."""
    return age > 18


def category(age):
    if age < 13:
        return "child"
    if is_adult(age):
        return "adult"
    return "teen"
'''

TESTS = '''\
from ages.rules import category, is_adult


def test_adult_at_18():
    assert is_adult(18)


def test_adult_at_40():
    assert is_adult(40)


def test_not_adult_at_17():
    assert not is_adult(17)


def test_child():
    assert category(5) == "child"


def test_teen():
    assert category(15) == "teen"


def test_category_at_18_runs_after_the_heal():
    assert category(18) == "adult"
'''

PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "src/ages/__init__.py": "",
    "src/ages/rules.py": RULES,
    "tests/test_rules.py": TESTS,
}

FIXED_RULES = RULES.replace("return age > 18", "return age >= 18")
