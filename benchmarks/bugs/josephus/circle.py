from collections import deque


def survivor(people, k):
    """Who is left when every ``k``-th person leaves the circle, counting from the first."""
    if not people:
        raise ValueError("nobody in the circle")
    circle = deque(people)
    while True:
        circle.rotate(-(k - 1))
        circle.popleft()
    return circle[0]
