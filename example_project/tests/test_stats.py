import pytest

from shopkit.stats import mean, moving_average, percentile, period_changes

#: Order values of one afternoon, the textbook nearest-rank example.
ORDER_VALUES = [35, 20, 50, 15, 40]


def test_mean():
    assert mean([3, 4, 5, 8]) == 5
    with pytest.raises(ValueError):
        mean([])


@pytest.mark.parametrize(
    ("values", "window", "expected"),
    [
        ([1, 2, 3, 4, 5], 3, [2, 3, 4]),
        ([10, 20], 1, [10, 20]),
        ([4, 8], 3, []),
    ],
)
def test_moving_average(values, window, expected):
    assert moving_average(values, window) == pytest.approx(expected)


def test_percentile_median_order_value():
    assert percentile(ORDER_VALUES, 50) == 35


def test_percentile_100_is_the_largest_value():
    assert percentile(ORDER_VALUES, 100) == 50


def test_percentile_of_no_values_raises():
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)


def test_percentile_rejects_out_of_range():
    for pct in (0, 101):
        with pytest.raises(ValueError, match="percentile must be"):
            percentile(ORDER_VALUES, pct)


def test_period_changes():
    assert period_changes([100, 110, 99]) == pytest.approx([0.1, -0.1])
    assert period_changes([0, 5, 10]) == [None, 1.0]
