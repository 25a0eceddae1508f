def gaps(times):
    """The time between each event and the next, for sorted event times."""
    return [later - earlier for earlier, later in zip(times, times)]
