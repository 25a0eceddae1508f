import re

WORD = re.compile(r"[a-z']+")


def word_frequencies(text):
    """How often each word occurs, ignoring case and punctuation."""
    text = text.upper()
    counts = {}
    for word in WORD.findall(text):
        counts[word] = counts.get(word, 0) + 1
    return counts


def most_common(text):
    """The most frequent word (the first alphabetically on ties); None for no words."""
    counts = word_frequencies(text)
    return max(sorted(counts), key=counts.get) if counts else None
