"""The one place where secrets are taken out of text that leaves the process, and
where model text is made safe to show in a terminal (:func:`escape_controls`).

Everything that reaches a report (JSON or HTML), the store, the terminal or a prompt
goes through :func:`redact`: the API key as it is, reversed and in base64, and the
values of secret-looking query parameters of URLs (``?api-key=...``). Redaction is the
last line, not the defence: candidate code never gets the key in the first place
(see :mod:`pytest_selfheal._evaluate.scrub`), because a copy encoded some other way
would pass any redaction.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Final

REDACTED: Final = "[redacted]"
#: Shorter values are not treated as secrets: replacing them would mangle ordinary text.
MIN_SECRET_LENGTH: Final = 8
_QUERY_SECRET: Final = re.compile(
    r"([?&](?:api[-_]?key|key|token|access[-_]?token|secret|password|sig|signature)=)"
    r"[^&#\s\"']+", re.IGNORECASE)

_secrets: list[str] = []


def add_secret(value: str | None) -> None:
    """Redact ``value`` (and its reversed and base64 forms) from now on."""
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    raw = value.encode()
    for form in (value, value[::-1], base64.b64encode(raw).decode(),
                 base64.urlsafe_b64encode(raw).decode()):
        for text in (form, form.rstrip("=")):
            if text not in _secrets:
                _secrets.append(text)
    _secrets.sort(key=len, reverse=True)  # the longest forms first


def redact(text: str) -> str:
    """``text`` with every registered secret and URL query secret replaced."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "=" in text:
        text = _QUERY_SECRET.sub(r"\1" + REDACTED, text)
    return text


#: Control characters (ANSI escapes start with one) as visible escapes: model text shown
#: in a terminal must not move its cursor, recolour it or retitle its window.
_CONTROLS: Final = {code: f"\\x{code:02x}" for code in (*range(32), *range(0x7F, 0xA0))
                    if chr(code) not in "\n\t"}


def escape_controls(text: str) -> str:
    """``text`` with control characters other than newline and tab escaped."""
    return text.translate(_CONTROLS)


def redact_data(value: object) -> object:
    """``value`` (JSON-like: dicts, lists, strings) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value
