from wordcount import most_common, word_frequencies


def check_case_is_ignored():
    assert word_frequencies("The the THE") == {"the": 3}


def check_punctuation_and_capitals():
    assert word_frequencies("Hello, World!") == {"hello": 1, "world": 1}


def check_most_common_across_cases():
    assert most_common("Cat cat dog") == "cat"


def check_numbers_are_not_words():
    assert word_frequencies("route 66 route") == {"route": 2}


def check_tie_goes_to_the_first_alphabetically():
    assert most_common("b a") == "a"
