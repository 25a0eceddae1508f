def encode(text):
    """Run-length encode: ``"aaab"`` becomes ``"a3b1"``."""
    if not text:
        return ""
    parts = []
    current, count = text[0], 1
    for ch in text[1:]:
        if ch == current:
            count += 1
        else:
            parts.append(f"{current}{count}")
            current, count = ch, 1
    return "".join(parts)


def decode(encoded):
    """Inverse of :func:`encode` for texts without digits."""
    out, i = [], 0
    while i < len(encoded):
        ch, j = encoded[i], i + 1
        while j < len(encoded) and encoded[j].isdigit():
            j += 1
        out.append(ch * int(encoded[i + 1:j]))
        i = j
    return "".join(out)
