def is_palindrome(text):
    """Whether ``text`` reads the same backwards, ignoring case and punctuation."""
    chars = [ch.lower() for ch in text if ch.isalpha()]
    left, right = 0, len(chars) - 1
    while left < right:
        if chars[left] != chars[right]:
            return False
        left += 1
        right -= 1
    return True
