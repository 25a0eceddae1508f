from samples import mean_after_warmup


def test_skips_the_warmup():
    assert mean_after_warmup([100, 1, 3], 1) == 2.0


def test_no_warmup():
    assert mean_after_warmup([5, 5], 0) == 5.0


def test_nothing_left():
    assert mean_after_warmup([1, 2], 2) is None


def test_longer_warmup():
    assert mean_after_warmup([9, 9, 2, 4], 2) == 3.0
