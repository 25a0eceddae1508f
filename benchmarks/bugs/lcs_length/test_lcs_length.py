from lcs import lcs_length, similarity


def test_identical():
    assert lcs_length("abc", "abc") == 3


def test_classic_example():
    assert lcs_length("ABCBDAB", "BDCABA") == 4


def test_nothing_in_common():
    assert lcs_length("abc", "xyz") == 0


def test_similarity_of_empty_strings():
    assert similarity("", "") == 1.0
