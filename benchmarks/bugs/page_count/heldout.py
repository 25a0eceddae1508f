import math

from paging import page_count, page_items


def check_against_ceil():
    for total in range(60):
        for per_page in range(1, 12):
            assert page_count(total, per_page) == math.ceil(total / per_page)


def check_one_item():
    assert page_count(1, 20) == 1


def check_pages_cover_every_item():
    items = list(range(23))
    pages = [page_items(items, p, 5) for p in range(1, page_count(23, 5) + 1)]
    assert sum(pages, []) == items


def check_past_the_last_page():
    assert page_items([1, 2, 3], 2, 3) == []


def check_one_per_page():
    assert page_count(7, 1) == 7
