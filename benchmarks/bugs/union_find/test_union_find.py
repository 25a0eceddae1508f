from dsu import DisjointSet, count_components


def test_union_connects_two_nodes():
    sets = DisjointSet(3)
    sets.union(0, 1)
    assert sets.connected(0, 1)


def test_chain_of_unions():
    sets = DisjointSet(3)
    sets.union(0, 1)
    sets.union(2, 1)
    assert sets.connected(0, 2)


def test_separate_nodes():
    assert not DisjointSet(2).connected(0, 1)


def test_count_components():
    assert count_components(5, [(0, 1), (1, 2), (3, 4)]) == 2
