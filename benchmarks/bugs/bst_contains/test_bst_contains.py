from bst import contains, insert


def build(keys):
    root = None
    for key in keys:
        root = insert(root, key)
    return root


def test_root_is_found():
    assert contains(build([5]), 5)


def test_leaf_is_found():
    assert contains(build([5, 3, 8, 1]), 1)


def test_missing_key():
    assert not contains(build([5, 3, 8]), 4)
