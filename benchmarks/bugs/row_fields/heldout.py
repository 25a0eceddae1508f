from rows import parse_row


def check_three_values():
    assert parse_row("r9,1,2,3", ["a", "b", "c"]) == ("r9", {"a": "1", "b": "2", "c": "3"})


def check_fewer_names():
    assert parse_row("id,x,y", ["first"]) == ("id", {"first": "x"})


def check_spaces():
    assert parse_row(" 5 ,  z ", ["v"]) == ("5", {"v": "z"})


def check_empty_value():
    assert parse_row("a,,b", ["p", "q"]) == ("a", {"p": "", "q": "b"})


def check_numbers_stay_text():
    assert parse_row("0,10", ["n"])[1]["n"] == "10"
