from grid import Grid, steps


def check_tall_grid_bounds():
    grid = Grid(5, 2)
    assert grid.inside(4, 1)
    assert not grid.inside(1, 2)


def check_steps_in_a_wide_corridor():
    assert steps(Grid(1, 6), (0, 0), (0, 5)) == 5


def check_detour_around_walls():
    grid = Grid(3, 4, walls={(0, 1), (1, 1)})
    assert steps(grid, (0, 0), (0, 2)) == 6


def check_neighbors_of_a_corner():
    assert sorted(Grid(2, 4).neighbors(0, 3)) == [(0, 2), (1, 3)]


def check_start_is_goal():
    assert steps(Grid(2, 2), (1, 1), (1, 1)) == 0
