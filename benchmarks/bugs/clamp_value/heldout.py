from bounds import clamp


def check_at_low():
    assert clamp(0, 0, 10) == 0


def check_at_high():
    assert clamp(10, 0, 10) == 10


def check_floats():
    assert clamp(0.5, 0.0, 1.0) == 0.5


def check_negative_range():
    assert clamp(-20, -10, -5) == -10


def check_many():
    assert [clamp(x, 2, 4) for x in range(7)] == [2, 2, 2, 3, 4, 4, 4]
