def positions(items, wanted):
    """The indexes at which ``items`` holds ``wanted``."""
    return [index for index, item in enumerate(items) if index == wanted]
