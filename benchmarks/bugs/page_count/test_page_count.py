import pytest

from paging import page_count, page_items


def test_last_page_partly_filled():
    assert page_count(10, 3) == 4


def test_pages_exactly_filled():
    assert page_count(9, 3) == 3


def test_no_items():
    assert page_count(0, 5) == 0


def test_last_page_items():
    assert page_items(list(range(7)), 3, 3) == [6]


def test_zero_per_page():
    with pytest.raises(ValueError):
        page_count(5, 0)
