def simplify_path(path):
    """Canonical form of an absolute Unix path: no ``.``, ``..`` or doubled slashes."""
    stack = []
    for part in path.split("/"):
        if part == "..":
            if stack:
                stack.pop()
        elif part != ".":
            stack.append(part)
    return "/" + "/".join(stack)
