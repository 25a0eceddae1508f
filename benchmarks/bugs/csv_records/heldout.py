from table import column, parse_table


def check_other_separator():
    assert parse_table("a;b\n1;2", sep=";") == [{"a": "1", "b": "2"}]


def check_blank_lines_are_skipped():
    assert parse_table("\nx,y\n\n1,2\n\n3,4\n") == [{"x": "1", "y": "2"}, {"x": "3", "y": "4"}]


def check_whitespace_around_cells():
    assert parse_table(" k , v \n a , b ") == [{"k": "a", "v": "b"}]


def check_many_rows():
    text = "n\n" + "\n".join(str(i) for i in range(50))
    assert column(text, "n") == [str(i) for i in range(50)]


def check_header_is_not_a_row():
    assert all(row["id"] != "id" for row in parse_table("id,v\n1,a\n2,b"))
