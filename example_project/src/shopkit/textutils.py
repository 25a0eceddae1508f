"""Text helpers for product pages: URL slugs and display text."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_WHITESPACE = re.compile(r"\s+")


def normalize_whitespace(text: str) -> str:
    """Collapse runs of whitespace to single spaces and trim the ends."""
    return _WHITESPACE.sub(" ", text).strip()


def slugify(text: str, max_length: int = 60) -> str:
    """Turn a product name into a lowercase URL slug.

    Accents are dropped, every run of other characters becomes one hyphen, and the
    slug is cut at ``max_length`` without leaving a trailing hyphen:
    ``"Crème Brûlée Set (4 pcs)"`` becomes ``"creme-brulee-set-4-pcs"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug


def truncate(text: str, width: int, placeholder: str = "...") -> str:
    """Shorten ``text`` to at most ``width`` characters, ending with ``placeholder``.

    Text that already fits is returned unchanged; otherwise it is cut at the last
    word boundary that leaves room for the placeholder (mid-word if there is none).
    """
    if width < len(placeholder):
        raise ValueError(f"width {width} is too small for placeholder {placeholder!r}")
    if len(text) <= width:
        return text
    cut = text[: width - len(placeholder)]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + placeholder


def initials(name: str) -> str:
    """Upper-case initials of a customer name, for avatars: ``"ada lovelace"`` -> ``"AL"``."""
    return "".join(part[0].upper() for part in name.split())
