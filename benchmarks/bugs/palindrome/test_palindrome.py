from palindrome import is_palindrome


def test_sentence():
    assert is_palindrome("A man, a plan, a canal: Panama")


def test_not_a_palindrome():
    assert not is_palindrome("palindrome")


def test_numbers_count():
    assert not is_palindrome("123")


def test_empty():
    assert is_palindrome("")
