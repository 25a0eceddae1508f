from ranking import top_words


def check_case_is_ignored():
    assert top_words("The cat the dog THE", 1) == ["the"]


def check_zero_words():
    assert top_words("a b c", 0) == []


def check_order_of_several():
    text = "x " * 5 + "y " * 3 + "z " * 4
    assert top_words(text, 3) == ["x", "z", "y"]


def check_all_unique_alphabetical():
    assert top_words("delta alpha charlie bravo", 2) == ["alpha", "bravo"]


def check_words_are_strings():
    assert all(isinstance(word, str) for word in top_words("a a b", 2))
