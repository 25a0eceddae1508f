def caesar(text, shift):
    """Shift letters by ``shift`` places, keeping case; other characters stay."""
    out = []
    for ch in text:
        if ch.isalpha():
            base = ord("A") if ch.isupper() else ord("a")
            out.append(chr((ord(ch) - base + shift) % 25 + base))
        else:
            out.append(ch)
    return "".join(out)


def decode(text, shift):
    return caesar(text, -shift)
