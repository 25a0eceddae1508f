import re

import pytest

from lexer import tokenize

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def check_number_at_the_end():
    assert tokenize("7 - 120") == [7, "-", 120]


def check_spaces_everywhere():
    assert tokenize("  ( 1 +2 )  ") == ["(", 1, "+", 2, ")"]


def check_against_a_regular_expression():
    text = "12*(30+4)/567-8"
    expected = [int(t) if t.isdigit() else t for t in re.findall(r"\d+|[-+*/()]", text)]
    assert tokenize(text) == expected


def check_error_names_the_position():
    with pytest.raises(ValueError, match="at 4"):
        tokenize("1 + a")


def check_single_number():
    assert tokenize("2024") == [2024]
