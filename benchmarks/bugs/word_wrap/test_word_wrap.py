from wrap import line_length, wrap


def test_line_length_of_one_word():
    assert line_length(["hello"]) == 5


def test_line_length_of_two_words():
    assert line_length(["hello", "world"]) == 11


def test_wrap_exact_fit():
    assert wrap("aa bb cc", 5) == ["aa bb", "cc"]


def test_wrap_empty():
    assert wrap("", 10) == []
