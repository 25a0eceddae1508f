"""What leaves the process: secrets redacted in every form, model text made harmless
for a terminal."""

from __future__ import annotations

import base64

from pytest_selfheal._redaction import add_secret, escape_controls, redact, redact_data
from pytest_selfheal._settings import without_credentials


def test_a_secret_is_redacted_as_it_is_reversed_and_in_base64():
    key = "sk-redaction-test-0123456789"
    add_secret(key)
    text = f"{key} {key[::-1]} {base64.b64encode(key.encode()).decode()}"
    assert redact(text) == "[redacted] [redacted] [redacted]"
    assert redact_data({"heals": [{"reason": f"AssertionError: {key}"}]}) == {
        "heals": [{"reason": "AssertionError: [redacted]"}]}


def test_api_keys_in_urls_are_redacted_and_never_shown():
    assert redact("GET https://x.test/v1?api-key=abc123&v=2") == (
        "GET https://x.test/v1?api-key=[redacted]&v=2")
    assert without_credentials("https://user:pw@x.test/v1?api-key=abc") == "https://x.test/v1"


def test_terminal_escapes_in_model_code_are_shown_not_obeyed():
    assert escape_controls("+    x = 1\x1b[2J\x1b]0;title\x07\tok") == (
        "+    x = 1\\x1b[2J\\x1b]0;title\\x07\tok")
