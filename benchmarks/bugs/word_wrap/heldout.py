from wrap import line_length, wrap


def check_lines_never_exceed_the_width():
    text = "the quick brown fox jumps over the lazy dog again and again"
    for width in range(5, 30):
        lines = wrap(text, width)
        assert " ".join(lines) == text
        assert all(len(line) <= width for line in lines)


def check_long_word_gets_its_own_line():
    assert wrap("a verylongword b", 4) == ["a", "verylongword", "b"]


def check_everything_fits():
    assert wrap("one two", 7) == ["one two"]


def check_empty_line_length():
    assert line_length([]) == 0


def check_three_words():
    assert line_length(["a", "bb", "ccc"]) == 8
