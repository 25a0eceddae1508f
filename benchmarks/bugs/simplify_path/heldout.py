from unixpath import simplify_path


def check_cannot_go_above_root():
    assert simplify_path("/../..") == "/"


def check_trailing_slash():
    assert simplify_path("/usr/bin/") == "/usr/bin"


def check_many_slashes():
    assert simplify_path("///a///b//") == "/a/b"


def check_dots_in_names():
    assert simplify_path("/a/.../b/..hidden") == "/a/.../b/..hidden"


def check_mixed():
    assert simplify_path("/a//b/./../c/") == "/a/c"
