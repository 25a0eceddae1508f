def initials(full_names):
    """The initials of each full name: ``"Ada Lovelace"`` -> ``"AL"``."""
    return ["".join(name[0] for part in name.split()) for name in full_names]
