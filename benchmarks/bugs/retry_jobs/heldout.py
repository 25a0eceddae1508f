from jobs import run_jobs


def make_flaky(failures):
    left = [failures]

    def flaky():
        left[0] -= 1
        return left[0] < 0

    return flaky


def check_flaky_succeeds_on_retry():
    assert run_jobs([make_flaky(2)], 3) == []


def check_flaky_runs_out_of_attempts():
    assert run_jobs([make_flaky(3)], 3) == ["flaky"]


def check_attempts_counted():
    calls = []

    def broken():
        calls.append(1)
        return False

    run_jobs([broken], 4)
    assert len(calls) == 4


def check_order_of_failures():
    def a():
        return False

    def b():
        return False

    assert run_jobs([a, b], 2) == ["a", "b"]


def check_single_attempt():
    def nope():
        return False

    assert run_jobs([nope], 1) == ["nope"]
