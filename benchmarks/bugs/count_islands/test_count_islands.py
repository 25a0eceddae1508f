from islands import count_islands


def test_single_cell_island():
    assert count_islands(["1"]) == 1


def test_two_islands_in_a_square():
    assert count_islands(["10", "01"]) == 2


def test_one_long_island_in_a_row():
    assert count_islands(["111"]) == 1


def test_no_land():
    assert count_islands(["000", "000"]) == 0
