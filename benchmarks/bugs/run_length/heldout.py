from rle import decode, encode


def check_round_trip():
    for text in ["abc", "aaaa", "abba", "mississippi", "x" * 15 + "y"]:
        assert decode(encode(text)) == text


def check_long_run_at_the_end():
    assert encode("abbbbbbbbbbbb") == "a1b12"


def check_alternating():
    assert encode("abab") == "a1b1a1b1"


def check_spaces():
    assert encode("  x") == " 2x1"


def check_one_long_run():
    assert encode("qqqq") == "q4"
