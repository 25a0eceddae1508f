from grid import Grid, steps


def test_inside_a_square():
    grid = Grid(3, 3)
    assert grid.inside(2, 2)
    assert not grid.inside(3, 0)


def test_inside_a_wide_grid():
    assert Grid(2, 5).inside(1, 4)


def test_steps_across_a_square():
    assert steps(Grid(3, 3), (0, 0), (2, 2)) == 4


def test_wall_blocks_the_way():
    assert steps(Grid(1, 3, walls={(0, 1)}), (0, 0), (0, 2)) is None
