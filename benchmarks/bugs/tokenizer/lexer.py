def tokenize(text):
    """Numbers (as ints), operators and parentheses of an arithmetic expression."""
    tokens = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit():
            j = i
            while j < len(text) and text[j].isdigit():
                i += 1
            tokens.append(int(text[i:j]))
            i = j
        elif ch in "+-*/()":
            tokens.append(ch)
            i += 1
        else:
            raise ValueError(f"unexpected {ch!r} at {i}")
    return tokens
