def parse_time(text):
    """Minutes since midnight of ``"HH:MM"``; ValueError for anything else."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise ValueError(f"not a time: {text!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    if not (0 <= hours < 24 or 0 <= minutes < 60):
        raise ValueError(f"out of range: {text!r}")
    return hours * 60 + minutes


def format_time(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
