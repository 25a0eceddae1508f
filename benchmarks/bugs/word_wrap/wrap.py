def line_length(words):
    """Width of ``words`` joined by single spaces."""
    if not words:
        return 0
    return sum(len(word) for word in words) + len(words)


def wrap(text, width):
    """Greedy word wrap into lines of at most ``width`` characters."""
    lines, current = [], []
    for word in text.split():
        if current and line_length([*current, word]) > width:
            lines.append(" ".join(current))
            current = [word]
        else:
            current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines
