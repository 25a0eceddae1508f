def parse_row(line, names):
    """``"id,v1,v2"`` -> ``(id, {name: value})``: the first field is the row's id."""
    fields = [field.strip() for field in line.split(",")]
    return fields[0], dict(zip(names, fields))
