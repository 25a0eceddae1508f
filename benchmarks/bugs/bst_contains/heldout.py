from bst import contains, insert


def build(keys):
    root = None
    for key in keys:
        root = insert(root, key)
    return root


def check_empty_tree():
    assert not contains(None, 1)


def check_every_key_and_gap():
    keys = [50, 30, 70, 20, 40, 60, 80]
    root = build(keys)
    for key in range(15, 90):
        assert contains(root, key) == (key in keys)


def check_strings():
    root = build(["m", "c", "x"])
    assert contains(root, "x") and not contains(root, "a")


def check_duplicates_ignored():
    root = build([2, 2, 2])
    assert root.left is None and root.right is None


def check_skewed_tree():
    root = build(range(30))
    assert contains(root, 29) and not contains(root, 30)
