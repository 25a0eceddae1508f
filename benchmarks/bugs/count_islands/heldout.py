from islands import count_islands


def check_tall_grid():
    assert count_islands(["1", "1", "0", "1"]) == 2


def check_wide_grid_with_gaps():
    assert count_islands(["11011", "00011"]) == 2


def check_ring():
    assert count_islands(["111", "101", "111"]) == 1


def check_empty_grid():
    assert count_islands([]) == 0


def check_diagonals_are_separate():
    assert count_islands(["1010", "0101"]) == 4
