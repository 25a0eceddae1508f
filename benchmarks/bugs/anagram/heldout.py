from anagram import is_anagram


def check_different_lengths():
    assert not is_anagram("abc", "abcd")


def check_same_letters_different_counts():
    assert not is_anagram("aab", "abb")


def check_empty_strings():
    assert is_anagram("", "")


def check_phrase():
    assert is_anagram("The eyes", "They see")


def check_single_letters():
    assert not is_anagram("a", "b")
