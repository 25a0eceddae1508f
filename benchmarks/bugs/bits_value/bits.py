def from_bits(bits):
    """The number a list of bits stands for, most significant bit first."""
    if not bits:
        return 0
    return 2 * from_bits(bits) + bits[-1]
