"""Overwriting secrets in the memory of a process about to run candidate code.

A fork of the session inherits everything the session holds: the API key in the LLM
client, in the HTTP client's headers, in freed buffers a request was built in, in the
environment block the process started with (``/proc/self/environ``, which removing a
variable from ``os.environ`` leaves alone). A fork server calls :func:`forget` before
it forks any child, so that a candidate reading its own memory finds no key.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterable


def _private_writable_regions() -> list[tuple[int, int]]:
    regions = []
    with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
        for line in maps:
            fields = line.split()
            # Private and writable only: writing a shared mapping would change a file.
            if fields[1].startswith("rw") and fields[1].endswith("p"):
                start, end = (int(part, 16) for part in fields[0].split("-"))
                regions.append((start, end))
    return regions


def forget(secrets: Iterable[str]) -> int:
    """Overwrite with asterisks every copy of ``secrets`` in the process's private
    memory; the objects that held one are then unusable. Only for a process that will
    never need them again.

    :returns: how many copies were overwritten.
    """
    patterns = [re.compile(re.escape(secret.encode())) for secret in secrets if secret]
    if not patterns:
        return 0
    found: list[tuple[int, int]] = []
    # Found first, overwritten after: the patterns themselves are among the copies.
    for start, end in _private_writable_regions():
        memory = memoryview((ctypes.c_char * (end - start)).from_address(start)).cast("B")
        for pattern in patterns:
            found.extend((start + match.start(), match.end() - match.start())
                         for match in pattern.finditer(memory))
        memory.release()
    for address, size in found:
        ctypes.memset(address, ord("*"), size)
    return len(found)
