from prefix_code import code_lengths, encoded_size


def test_two_symbols():
    assert code_lengths("aab") == {"a": 1, "b": 1}


def test_skewed_counts():
    assert code_lengths("aaaabbc") == {"a": 1, "b": 2, "c": 2}


def test_empty_text():
    assert code_lengths("") == {}


def test_encoded_size():
    assert encoded_size("abracadabra") == 23
