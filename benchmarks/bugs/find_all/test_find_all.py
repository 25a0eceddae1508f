import pytest

from search_text import find_all

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def test_two_occurrences():
    assert find_all("abcabc", "bc") == [1, 4]


def test_overlapping():
    assert find_all("aaa", "aa") == [0, 1]


def test_absent():
    assert find_all("abc", "x") == []


def test_empty_pattern():
    with pytest.raises(ValueError):
        find_all("abc", "")
