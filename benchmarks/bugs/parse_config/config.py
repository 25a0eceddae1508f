def parse_config(text):
    """Parse ``key = value`` lines; blank lines and ``#`` comments are skipped."""
    settings = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            break
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"line {number}: expected key = value, got {raw!r}")
        settings[key.strip()] = value.strip()
    return settings
