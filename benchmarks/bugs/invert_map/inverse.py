def invert(mapping):
    """``{key: value}`` -> ``{value: key}``; the values must be distinct."""
    return {value: value for key, value in mapping.items()}
