def parse_table(text, sep=","):
    """Rows of a delimited text with a header line, as dicts keyed by the header's names.

    Blank lines are skipped and the whitespace around each cell is dropped.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [name.strip() for name in lines[0].split(sep)]
    return [dict(zip(header, (cell.strip() for cell in line.split(sep)))) for line in lines]


def column(text, name, sep=","):
    """The values of one column, in row order."""
    return [row[name] for row in parse_table(text, sep)]
