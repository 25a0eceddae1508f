from unixpath import simplify_path


def test_root():
    assert simplify_path("/") == "/"


def test_parent_directory():
    assert simplify_path("/a/b/../c") == "/a/c"


def test_current_directory():
    assert simplify_path("/a/./b") == "/a/b"


def test_doubled_slashes():
    assert simplify_path("/home//user/") == "/home/user"
