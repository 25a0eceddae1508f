from newlines import count_lines, normalize_newlines


def test_unix_text_is_unchanged():
    assert normalize_newlines("a\nb\n") == "a\nb\n"


def test_windows_line_endings():
    assert normalize_newlines("a\r\nb\r\n") == "a\nb\n"


def test_old_mac_line_endings():
    assert normalize_newlines("a\rb") == "a\nb"


def test_count_lines():
    assert count_lines("one\ntwo") == 2
