from newlines import count_lines, normalize_newlines


def check_mixed_line_endings():
    assert normalize_newlines("a\r\nb\rc\nd") == "a\nb\nc\nd"


def check_count_windows_lines():
    assert count_lines("x\r\ny\r\n") == 2


def check_blank_windows_lines():
    assert normalize_newlines("\r\n\r\n") == "\n\n"


def check_empty():
    assert normalize_newlines("") == ""
    assert count_lines("") == 0


def check_no_newline():
    assert normalize_newlines("plain") == "plain"
