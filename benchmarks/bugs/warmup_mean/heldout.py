from samples import mean_after_warmup


def check_one_left():
    assert mean_after_warmup([1, 2, 3, 4], 3) == 4.0


def check_warmup_longer_than_samples():
    assert mean_after_warmup([7], 5) is None


def check_zero_after_warmup():
    assert mean_after_warmup([10, 0, 2], 1) == 1.0


def check_range():
    assert mean_after_warmup(list(range(10)), 5) == 7.0


def check_floats():
    assert mean_after_warmup([1.5, 2.5], 0) == 2.0
