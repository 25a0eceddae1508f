import random

from index import positions


def check_random_text():
    rng = random.Random(14)
    text = "".join(rng.choice("abcd ") for _ in range(80))
    found = positions(text)
    for ch, indexes in found.items():
        assert indexes == [i for i in range(len(text)) if text[i] == ch]


def check_every_index_once():
    found = positions("mississippi")
    assert sorted(i for indexes in found.values() for i in indexes) == list(range(11))


def check_spaces_are_characters():
    assert positions("a b") == {"a": [0], " ": [1], "b": [2]}


def check_count_of_s():
    assert len(positions("mississippi")["s"]) == 4


def check_case_matters():
    assert positions("Aa") == {"A": [0], "a": [1]}
