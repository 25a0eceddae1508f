import random

from dsu import DisjointSet, count_components


def check_random_unions_match_a_naive_model():
    rng = random.Random(5)
    n = 30
    sets = DisjointSet(n)
    label = list(range(n))
    for _ in range(40):
        a, b = rng.randrange(n), rng.randrange(n)
        sets.union(a, b)
        old, new = label[a], label[b]
        label = [new if x == old else x for x in label]
    for a in range(n):
        for b in range(n):
            assert sets.connected(a, b) == (label[a] == label[b])


def check_union_returns_whether_it_merged():
    sets = DisjointSet(2)
    assert sets.union(0, 1) is True
    assert sets.union(1, 0) is False


def check_components_of_a_star():
    assert count_components(6, [(0, 5), (4, 0), (0, 3), (2, 0)]) == 2


def check_no_edges():
    assert count_components(4, []) == 4


def check_sizes_add_up():
    sets = DisjointSet(4)
    sets.union(0, 1)
    sets.union(2, 3)
    sets.union(3, 1)
    assert sets.size[sets.find(0)] == 4
