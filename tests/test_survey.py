from __future__ import annotations

import os
import time

import pytest

from pytest_selfheal._evaluate.reaping import BUSY_MACHINE_FACTOR
from pytest_selfheal._heal.survey import Box


@pytest.mark.parametrize(("load_per_core", "share"), [
    (0.5, 1.0), (1.5, 1 / 1.5), (8.0, 1 / BUSY_MACHINE_FACTOR)])
def test_a_measurement_ends_within_the_box_on_a_busy_machine_too(
        monkeypatch: pytest.MonkeyPatch, load_per_core: float, share: float):
    # The fork server lets a child the machine kept waiting run past its limit, up to
    # BUSY_MACHINE_FACTOR times it: localization asked for the whole box and took
    # twice as long at a load average of 8 on 2 cores. No test can make a machine that
    # busy on demand, so the load average is what is set here.
    cores = os.cpu_count() or 1
    monkeypatch.setattr(os, "getloadavg", lambda: (load_per_core * cores, 0.0, 0.0))
    box = Box(time.perf_counter() + 100.0)

    asked = box.limits().timeout_s

    assert asked * min(BUSY_MACHINE_FACTOR, max(1.0, load_per_core)) <= 100.0
    assert asked == pytest.approx(100.0 * share, abs=0.5)
