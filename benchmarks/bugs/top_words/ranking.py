from collections import Counter


def top_words(text, k):
    """The ``k`` most frequent words, most frequent first, ties in alphabetical order."""
    counts = Counter(text.lower().split())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [count for word, count in ranked[:k]]
