from wordcount import most_common, word_frequencies


def test_counts():
    assert word_frequencies("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_apostrophes_stay_in_words():
    assert word_frequencies("don't stop") == {"don't": 1, "stop": 1}


def test_no_words():
    assert word_frequencies("") == {}


def test_most_common():
    assert most_common("a b a") == "a"
