import pytest

from shopkit.textutils import slugify, truncate


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Blue Widget (XL)", "blue-widget-xl"),
        ("Enamel Mug, 350 ml", "enamel-mug-350-ml"),
        ("crème brûlée set", "creme-brulee-set"),
        ("  --hello,   world!--  ", "hello-world"),
    ],
    ids=["capitals", "capitals-and-digits", "accents", "punctuation"],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_slugify_cuts_long_names_without_trailing_hyphen():
    assert slugify("deluxe stainless steel bottle", max_length=17) == "deluxe-stainless"


def test_truncate():
    assert truncate("Enamel mug", 10) == "Enamel mug"
    assert truncate("Enamel camping mug, forest green", 20) == "Enamel camping..."
    assert truncate("Supercalifragilistic", 10) == "Superca..."
