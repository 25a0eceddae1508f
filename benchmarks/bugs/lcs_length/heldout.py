from lcs import lcs_length, similarity


def check_subsequence_not_substring():
    assert lcs_length("axbycz", "abc") == 3


def check_lists():
    assert lcs_length([1, 2, 3, 4, 1], [3, 4, 1, 2, 1, 3]) == 3


def check_one_empty():
    assert lcs_length("", "abc") == 0


def check_symmetric():
    assert lcs_length("AGGTAB", "GXTXAYB") == lcs_length("GXTXAYB", "AGGTAB") == 4


def check_similarity_value():
    assert similarity("abcd", "abxd") == 0.75
