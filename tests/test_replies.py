"""Every reply shape a model uses is applied, or refused with a reason for the model."""

from __future__ import annotations

import pytest

from pytest_selfheal.engines._refine.replies import ReplyScope, apply_reply
from pytest_selfheal.engines._refine.reply_merge import Target
from pytest_selfheal.errors import ReplyError

MODULE = '''\
"""Shop helpers."""


def is_adult(age):
    return age > 18


class Cart:
    def __init__(self):
        self.items = []

    def total(self):
        return sum(price for price, quantity in self.items)
'''


def scope(qualname: str, *, is_new: bool = False, test_files: tuple[str, ...] = ()) -> ReplyScope:
    """Where a reply goes: ``qualname`` of shop.py, to rewrite or (``is_new``) to add."""
    return ReplyScope(Target("shop.py", qualname, is_new=is_new), {"shop.py": MODULE}, test_files)


def run(source: str, call: str) -> object:
    namespace: dict[str, object] = {}
    exec(compile(source, "shop.py", "exec"), namespace)
    return eval(call, namespace)


def test_a_fenced_function_with_prose_around_it_replaces_the_function() -> None:
    reply = ("The comparison is off by one.\n\n```python\ndef is_adult(age):\n"
             "    return age >= 18\n```\nThis includes 18.")
    applied = apply_reply(reply, scope("is_adult"))
    assert run(applied.source, "is_adult(18)") is True
    assert applied.shape == "fenced"
    assert "class Cart" in applied.source


def test_a_method_pasted_without_its_class_indentation_is_put_back_in_the_class() -> None:
    reply = ("```python\ndef total(self):\n        return sum(price * quantity "
             "for price, quantity in self.items)\n```")
    applied = apply_reply(reply, scope("Cart.total"))
    assert run(applied.source + "\ncart = Cart(); cart.items = [(2, 3)]\n", "cart.total()") == 6


def test_code_without_fences_is_found_between_the_prose() -> None:
    reply = ("Sure! Here it is:\ndef is_adult(age):\n    return age >= 18\n"
             "That should do it.")
    applied = apply_reply(reply, scope("is_adult"))
    assert applied.shape == "bare"
    assert run(applied.source, "is_adult(18)") is True


def test_several_fenced_functions_rewrite_the_target_and_add_a_helper() -> None:
    reply = ("```python\ndef threshold():\n    return 18\n```\n\n```python\n"
             "def is_adult(age):\n    return age >= threshold()\n```")
    applied = apply_reply(reply, scope("is_adult"))
    assert run(applied.source, "is_adult(18)") is True


def test_search_replace_blocks_apply_even_with_the_indentation_lost() -> None:
    reply = ("<<<<<<< SEARCH\nreturn age > 18\n=======\nreturn age >= 18\n"
             ">>>>>>> REPLACE\n")
    applied = apply_reply(reply, scope("is_adult"))
    assert applied.shape == "search-replace"
    assert run(applied.source, "is_adult(18)") is True


def test_a_unified_diff_with_wrong_line_numbers_and_counts_applies() -> None:
    reply = ("```diff\n--- a/shop.py\n+++ b/shop.py\n@@ -40,9 +40,9 @@\n def is_adult(age):\n"
             "-    return age > 18\n+    return age >= 18\n```")
    applied = apply_reply(reply, scope("is_adult"))
    assert applied.shape == "diff"
    assert run(applied.source, "is_adult(18)") is True


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("", "empty"),
        ("I cannot help with that.", "no Python code"),
        ("```python\ndef is_grown_up(age):\n    return age >= 18\n```", "renames `is_adult`"),
        ("```python\ndef is_adult(age):\n    return age >=\n```", "does not parse"),
        ("```python\ndef test_is_adult():\n    assert True\n```", "tests may not be changed"),
        ("```diff\n--- a/tests/test_shop.py\n+++ b/tests/test_shop.py\n@@ -1,1 +1,1 @@\n"
         "-    assert is_adult(18)\n+    assert True\n```", "test file tests/test_shop.py"),
        ("```diff\n--- a/shop.py\n+++ b/shop.py\n@@ -1,1 +1,1 @@\n-    return age < 99\n"
         "+    return age >= 18\n```", "does not match the code"),
        ("<<<<<<< SEARCH\nreturn age > 21\n=======\nreturn age >= 18\n>>>>>>> REPLACE",
         "SEARCH block does not match"),
    ],
)
def test_a_reply_that_cannot_be_applied_is_refused_with_its_reason(reply: str,
                                                                   reason: str) -> None:
    with pytest.raises(ReplyError, match=reason.replace("(", r"\(")):
        apply_reply(reply, scope("is_adult", test_files=("tests/test_shop.py",)))


def test_a_missing_method_is_added_to_its_class() -> None:
    reply = "```python\ndef count(self):\n    return len(self.items)\n```"
    applied = apply_reply(reply, scope("Cart.count", is_new=True))
    assert run(applied.source + "\ncart = Cart(); cart.items = [(1, 1)]\n", "cart.count()") == 1


def test_a_missing_function_is_added_at_the_end_of_the_module() -> None:
    reply = "```python\ndef is_child(age):\n    return age < 14\n```"
    applied = apply_reply(reply, scope("is_child", is_new=True))
    assert run(applied.source, "is_child(3)") is True
    assert applied.source.startswith(MODULE)


@pytest.mark.timeout(60)  # the regexes this replaced took minutes on these replies
@pytest.mark.parametrize("hostile", [
    "<<<<<<< SEARCH\n" + "=======\n" * 20_000,
    "```python\n" + "``` x\n" * 30_000,
    "<<<<<<< SEARCH\n" + "x\n" * 90_000 + "=======\n",
])
def test_a_hostile_reply_is_refused_in_one_pass(hostile: str):
    with pytest.raises(ReplyError):
        apply_reply(hostile, scope("is_adult"))


def test_a_reply_over_the_size_cap_is_refused_before_it_is_parsed():
    with pytest.raises(ReplyError, match="more than the 200,000 read"):
        apply_reply("```python\n" + "x = 1\n" * 40_000 + "```", scope("is_adult"))
