from wordfilter import longer_than


def test_some():
    assert longer_than(["a", "abc", "ab"], 1) == ["abc", "ab"]


def test_none():
    assert longer_than(["a"], 3) == []


def test_all():
    assert longer_than(["xy", "zw"], 0) == ["xy", "zw"]
