import re

import pytest

from search_text import find_all

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def check_against_a_lookahead():
    text = "abababa bab abba"
    for pattern in ["a", "ab", "aba", "b", "bab", " "]:
        expected = [m.start() for m in re.finditer(f"(?={re.escape(pattern)})", text)]
        assert find_all(text, pattern) == expected


def check_pattern_is_the_text():
    assert find_all("xyz", "xyz") == [0]


def check_pattern_longer_than_the_text():
    assert find_all("ab", "abc") == []


def check_at_the_very_end():
    assert find_all("hello", "o") == [4]


def check_many():
    assert len(find_all("a" * 100, "a")) == 100
