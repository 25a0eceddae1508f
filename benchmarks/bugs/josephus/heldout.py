from circle import survivor


def recurrence(n, k):
    position = 0
    for size in range(2, n + 1):
        position = (position + k) % size
    return position + 1


def check_against_the_recurrence():
    for n in range(1, 30):
        for k in range(1, 8):
            assert survivor(range(1, n + 1), k) == recurrence(n, k)


def check_every_second_power_of_two():
    assert survivor(range(1, 17), 2) == 1


def check_names():
    assert survivor(["a", "b", "c", "d"], 2) == "a"


def check_k_larger_than_the_circle():
    assert survivor([1, 2], 5) == 2


def check_two_people_every_second():
    assert survivor([1, 2], 2) == 1
