from table import column, parse_table


def test_header_only():
    assert parse_table("name,age\n") == []


def test_two_rows():
    text = "name,age\nada,36\nalan,41\n"
    assert parse_table(text) == [{"name": "ada", "age": "36"}, {"name": "alan", "age": "41"}]


def test_empty_text():
    assert parse_table("") == []


def test_column():
    assert column("city,zip\nParis,75001\nLyon,69001", "city") == ["Paris", "Lyon"]
