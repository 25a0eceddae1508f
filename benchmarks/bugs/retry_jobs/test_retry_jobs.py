from jobs import run_jobs


def ok():
    return True


def broken():
    return False


def test_all_succeed():
    assert run_jobs([ok, ok], 1) == []


def test_one_fails():
    assert run_jobs([ok, broken], 3) == ["broken"]


def test_no_jobs():
    assert run_jobs([], 2) == []
