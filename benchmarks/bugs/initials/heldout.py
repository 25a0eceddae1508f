from names import initials


def check_empty_list():
    assert initials([]) == []


def check_extra_spaces():
    assert initials(["  John   von  Neumann "]) == ["JvN"]


def check_lowercase_kept():
    assert initials(["ada lovelace"]) == ["al"]


def check_three():
    assert initials(["a b", "c d", "e f"]) == ["ab", "cd", "ef"]


def check_long_name():
    assert initials(["Pablo Diego José Francisco"]) == ["PDJF"]
