"""End to end: answers written as real models write them are healed with everything in
them: imports, helpers, several functions, a reasoning section before the answer.

Each run is a `pytest --selfheal` subprocess against a real git repository, with the
real `openai` client talking to the loopback OpenAIServer (hot reload imports the
project's modules, which must not leak into this session).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import OpenAIServer, Request, fenced, git, make_git_project


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    with OpenAIServer() as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.url)
        yield running


def run_selfheal(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-model",
                        "fake-model", "-p", "no:cacheprovider", *args, timeout=300)


def healed_file(root: Path, path: str) -> str:
    (branch,) = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    return git(root, "show", f"{branch}:{path}")


def last_commit_message(root: Path) -> str:
    (branch,) = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    return git(root, "log", "-1", "--format=%B", branch)


TEXT = '''\
"""Text helpers."""

import re


def words(text):
    return re.findall(r"\\w+", text)
'''

TEXT_TESTS = '''\
import text


def test_slug_drops_accents():
    assert text.slugify("Crème Brûlée!") == "creme-brulee"


def test_words():
    assert text.words("a b") == ["a", "b"]


def test_slug_after_the_heal():
    assert text.slugify("  Ça va  ") == "ca-va"
'''

SLUGIFY = fenced('''
    import unicodedata
    import re


    def slugify(value):
        ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


    print(slugify("Crème Brûlée!"))  # creme-brulee
''', prose="Normalise to NFKD and drop the combining marks:")


def test_a_missing_function_whose_reply_imports_a_module_is_written_with_its_import(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = lambda request: SLUGIFY
    root = make_git_project(workdir, {"pyproject.toml": "", "text.py": TEXT,
                                      "test_text.py": TEXT_TESTS})

    result = run_selfheal(pytester)

    result.assert_outcomes(failed=1, passed=2)  # the last test ran on the loaded slugify
    result.stdout.fnmatch_lines(["HEALED   test_text.py::test_slug_drops_accents (*",
                                 "  reloaded into this session: yes; re-run: passed"])
    healed = healed_file(root, "text.py")
    # The import joins the module's imports once; the example call is not code.
    assert healed.startswith('"""Text helpers."""\n\nimport re\nimport unicodedata\n\n\n')
    assert healed.count("import re") == 1
    assert "print(" not in healed
    message = last_commit_message(root)
    assert "adds import unicodedata" in message
    assert len(server.chat_requests) == 1


PRICES = '''\
def total(prices, quantities):
    return sum(price for price, quantity in zip(prices, quantities))
'''

PRICES_TESTS = '''\
from prices import total


def test_total_multiplies_by_quantity():
    assert total([2.0, 3.0], [2, 1]) == 7.0


def test_total_of_nothing():
    assert total([], []) == 0
'''

WITH_HELPER = '''\
The total forgets the quantity. A helper makes each line explicit:

```python
ROUNDING = 2


def _line(price, quantity):
    return round(price * quantity, ROUNDING)


def total(prices, quantities):
    return sum(_line(price, quantity) for price, quantity in zip(prices, quantities))
```
'''


def test_a_fix_that_needs_a_new_helper_and_constant_adds_them_before_the_function(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = lambda request: WITH_HELPER
    root = make_git_project(workdir, {"pyproject.toml": "", "prices.py": PRICES,
                                      "test_prices.py": PRICES_TESTS})

    result = run_selfheal(pytester)

    result.stdout.fnmatch_lines(["HEALED   test_prices.py::test_total_multiplies_by_quantity (*",
                                 "  reloaded into this session: yes; re-run: passed"])
    healed = healed_file(root, "prices.py")
    assert healed.index("ROUNDING = 2") < healed.index("def _line") < healed.index("def total")
    namespace: dict[str, object] = {}
    exec(healed, namespace)
    assert namespace["total"]([1.5], [3]) == 4.5  # type: ignore[operator]
    message = last_commit_message(root)
    assert "adds ROUNDING" in message
    assert "adds _line" in message


CART = '''\
def subtotal(items):
    return sum(price for price, quantity in items)


def tax(items):
    return subtotal(items) * 0.1


def total(items):
    return subtotal(items) + tax(items) + 1
'''

CART_TESTS = '''\
from cart import total


def test_total_counts_quantities_and_no_fee():
    assert total([(10.0, 2)]) == 22.0
'''

TWO_FUNCTIONS = '''\
Two things are wrong: `subtotal` ignores the quantity and `total` adds a fee.

```python
def subtotal(items):
    return sum(price * quantity for price, quantity in items)
```

```python
def total(items):
    return subtotal(items) + tax(items)
```
'''


def test_a_fix_spanning_two_functions_changes_both_in_one_commit(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = lambda request: TWO_FUNCTIONS
    root = make_git_project(workdir, {"pyproject.toml": "", "cart.py": CART,
                                      "test_cart.py": CART_TESTS})

    result = run_selfheal(pytester, "--selfheal-report", "report.json")

    result.stdout.fnmatch_lines(["HEALED   test_cart.py::test_total_counts_quantities_and_no_fee*",
                                 "  reloaded into this session: yes; re-run: passed"])
    healed = healed_file(root, "cart.py")
    assert "price * quantity" in healed
    assert "tax(items) + 1" not in healed
    assert "return subtotal(items) * 0.1" in healed  # untouched
    (branch,) = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    assert len(git(root, "log", "--format=%s", f"main..{branch}").splitlines()) == 1
    # The commit names the function it was made for and the other one it rewrites.
    message = last_commit_message(root)
    assert {"rewrites subtotal", "rewrites total"} & {line.strip() for line in
                                                    message.splitlines()}


LOOKUP = '''\
RATES = {"eu": 0.2, "us": 0.07}


def rate(region):
    return RATES[region.upper()]
'''

CHECKOUT = '''\
from shop.lookup import rate


def price_with_tax(price, region):
    return round(price * (1 + rate(region)) + 1, 2)
'''

CHECKOUT_TESTS = '''\
from shop.checkout import price_with_tax


def test_price_with_tax():
    assert price_with_tax(10.0, "eu") == 12.0
'''

TWO_FILES = '''\
```python
def rate(region):
    return RATES[region.lower()]
```

```python
def price_with_tax(price, region):
    return round(price * (1 + rate(region)), 2)
```
'''


def test_a_fix_through_two_project_files_changes_both_in_one_commit(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = lambda request: TWO_FILES
    root = make_git_project(workdir, {"pyproject.toml": "", "shop/__init__.py": "",
                                      "shop/lookup.py": LOOKUP, "shop/checkout.py": CHECKOUT,
                                      "tests/test_checkout.py": CHECKOUT_TESTS})

    result = run_selfheal(pytester, "--selfheal-rounds", "2")

    result.stdout.fnmatch_lines(["HEALED   tests/test_checkout.py::test_price_with_tax (*"])
    assert "region.lower()" in healed_file(root, "shop/lookup.py")
    assert "+ 1, 2)" not in healed_file(root, "shop/checkout.py")
    (branch,) = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    files = git(root, "show", "--name-only", "--format=", branch).split()
    assert sorted(files) == ["shop/checkout.py", "shop/lookup.py"]


RULES = '''\
def is_adult(age):
    return age > 18
'''

RULES_TESTS = '''\
from rules import is_adult


def test_adult_at_18():
    assert is_adult(18)


def test_child():
    assert not is_adult(10)
'''

REASONING = '''\
<think>
The test says 18 is adult. Maybe the fix is:

```python
def is_adult(age):
    return age > 17.5 and age != 18
```

No wait, that excludes 18 itself. The comparison should include 18: `>=`.
</think>

The comparison must include 18:

```python
def is_adult(age):
    return age >= 18
```
'''


def test_a_reasoning_models_draft_in_think_is_ignored_and_its_answer_heals(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = lambda request: REASONING
    root = make_git_project(workdir, {"pyproject.toml": "", "rules.py": RULES,
                                      "test_rules.py": RULES_TESTS})

    result = run_selfheal(pytester)

    result.stdout.fnmatch_lines(["HEALED   test_rules.py::test_adult_at_18 (*"])
    assert "return age >= 18" in healed_file(root, "rules.py")
    assert "17.5" not in healed_file(root, "rules.py")
    assert len(server.chat_requests) == 1


def cut_then_whole(request: Request) -> str:
    return fenced("def is_adult(age):\n    return age >= 18\n")


def test_a_reply_cut_off_by_its_length_is_refused_and_the_reason_goes_back(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    from pytest_selfheal.testing import Reply

    server.add(Reply(content=fenced("def is_adult(age):\n    return age >= 18\n"),
                     finish_reason="length"))
    server.respond = cut_then_whole
    root = make_git_project(workdir, {"pyproject.toml": "", "rules.py": RULES,
                                      "test_rules.py": RULES_TESTS})

    result = run_selfheal(pytester)

    result.stdout.fnmatch_lines(["HEALED   test_rules.py::test_adult_at_18 (*"])
    first, second = server.chat_requests
    assert "finish_reason: length" not in first.text
    assert "finish_reason: length" in second.text
    assert "return age >= 18" in healed_file(root, "rules.py")
