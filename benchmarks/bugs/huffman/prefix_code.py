import heapq
from collections import Counter


def code_lengths(text):
    """Bits per symbol of an optimal prefix code for ``text`` (Huffman); {} for empty text."""
    counts = Counter(text)
    if not counts:
        return {}
    if len(counts) == 1:
        return {symbol: 1 for symbol in counts}
    heap = [(count, order, {symbol: 0})
            for order, (symbol, count) in enumerate(sorted(counts.items()))]
    heapq.heapify(heap)
    order = len(heap)
    while True:
        count_a, _, a = heapq.heappop(heap)
        count_b, _, b = heapq.heappop(heap)
        merged = {symbol: depth + 1 for symbol, depth in (a | b).items()}
        heapq.heappush(heap, (count_a + count_b, order, merged))
        order += 1
    return heap[0][2]


def encoded_size(text):
    """Bits needed for ``text`` with its Huffman code."""
    lengths = code_lengths(text)
    return sum(lengths[symbol] for symbol in text)
