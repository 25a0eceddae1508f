"""The machine a benchmark ran on, printed with its results."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def describe() -> str:
    """CPU model, core count, Python and platform in one line."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()} "
            f"({sys.implementation.name}), {platform.system()} {platform.release()}")
