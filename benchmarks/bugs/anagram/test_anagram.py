from anagram import is_anagram


def test_simple_anagram():
    assert is_anagram("listen", "silent")


def test_not_an_anagram():
    assert not is_anagram("apple", "paper")


def test_ignores_case_and_spaces():
    assert is_anagram("Dormitory", "dirty room")
