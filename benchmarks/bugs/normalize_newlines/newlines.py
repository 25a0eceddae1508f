def normalize_newlines(text):
    """Turn Windows (CR LF) and old Mac (CR) line endings into LF."""
    text = text.replace("\n", "\r\n")
    return text.replace("\r", "\n")


def count_lines(text):
    """Number of lines, whatever their line endings; a final newline ends the last one."""
    text = normalize_newlines(text)
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)
