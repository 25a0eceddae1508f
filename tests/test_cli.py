from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_selfheal.cli import main
from pytest_selfheal.testing import git

#: The planted bugs of example_project (its README has the table): function -> fix.
EXAMPLE_FIXES = {
    "src/shopkit/pricing.py::apply_discount": "`price + reduction` -> `price - reduction`",
    "src/shopkit/pricing.py::bulk_discount_percent": "`quantity > min_quantity` -> "
    "`quantity >= min_quantity`",
    "src/shopkit/stats.py::percentile": "`rank` -> `rank - 1`",
    "src/shopkit/inventory.py::StockItem.needs_reorder": "`not self.discontinued or "
    "projected <= self.reorder_point` -> `not self.discontinued and projected <= "
    "self.reorder_point`",
    "src/shopkit/inventory.py::days_of_cover": "`average` -> `not average`",
    "src/shopkit/shipping.py::rate_for": "`country_code` -> `zone`",
}


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as excinfo:
        main(["--help"])
    assert excinfo.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as excinfo:
        main(["frobnicate"])
    assert excinfo.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_demo_refuses_a_directory_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["demo", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"selfheal: error: {tmp_path} is not empty; give --dir a new or empty directory\n")
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_demo_heals_every_fixable_bug_of_the_example_project(tmp_path: Path):
    # The main job as the README's Quick start runs it, in a subprocess of its own.
    demo_dir = tmp_path / "demo"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest_selfheal.cli", "demo", "--dir", str(demo_dir)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "your checkout: untouched (git status is clean)" in completed.stdout
    report = json.loads((demo_dir / "selfheal-report.json").read_text())
    healed = {heal["function"]: heal for heal in report["heals"] if heal["status"] == "healed"}
    assert {name: heal["change"].split(": ", 1)[1] for name, heal in healed.items()} \
        == EXAMPLE_FIXES
    assert all(heal["rerun_outcome"] == "passed" for heal in healed.values())
    unhealed = [heal for heal in report["heals"] if heal["status"] == "unhealed"]
    assert [heal["tests"] for heal in unhealed] == [
        ["tests/test_textutils.py::test_slugify[capitals]"]
    ]
    assert unhealed[0]["suspects"][0]["function"] == "src/shopkit/textutils.py::slugify"

    # The branch, checked out in a clone, passes everything but the unfixable bug's tests.
    project = demo_dir / "shopkit"
    (branch,) = {heal["branch"] for heal in healed.values()}
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--branch", branch, str(project), str(clone))
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=clone, capture_output=True, text=True, timeout=300, check=False,
    )
    assert suite.stdout.splitlines()[-1].startswith("2 failed, 58 passed"), suite.stdout
    assert "test_slugify[capitals]" in suite.stdout
    assert git(project, "status", "--porcelain") == ""
