from ranking import top_words


def test_most_frequent():
    assert top_words("b a b", 1) == ["b"]


def test_ties_alphabetical():
    assert top_words("pear fig apple fig pear", 3) == ["fig", "pear", "apple"]


def test_k_larger_than_the_vocabulary():
    assert top_words("one two", 5) == ["one", "two"]


def test_empty_text():
    assert top_words("", 3) == []
