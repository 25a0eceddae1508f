"""The pre-commit hook, driven by the real ``pre-commit`` tool through a real ``git commit``.

The hook comes from the shipped ``.pre-commit-hooks.yaml`` as a ``repo: local`` hook with
``language: system`` (the README's recommended setup, which runs in the user's own
environment): a remote hook repository would make pre-commit build a virtualenv and
install the package from an index, which a test must not need.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # installed with pre-commit

from pytest_selfheal.testing import git, make_git_project

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = PACKAGE_ROOT / ".pre-commit-hooks.yaml"
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
    "pre-commit")

RULES = '''\
def is_adult(age):
    """Whether someone of this age is an adult: 18 or older."""
    return age >= 18
'''
TESTS = '''\
from ages.rules import is_adult


def test_adult_at_18():
    assert is_adult(18)


def test_not_adult_at_17():
    assert not is_adult(17)
'''
# The user's next change: a new function with its test, and a slip in is_adult.
NEW_RULES = RULES.replace("age >= 18", "age > 18") + '''

def is_senior(age):
    return age >= 65
'''
NEW_TESTS = TESTS + '''

def test_senior_at_70():
    from ages.rules import is_senior

    assert is_senior(70)
'''

pytestmark = pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed; it "
                                "comes with the test extras: pip install -e '.[test]'")


def hook_config() -> str:
    """A .pre-commit-config.yaml using the shipped manifest's ``selfheal`` hook, locally."""
    (hook,) = [entry for entry in yaml.safe_load(MANIFEST.read_text()) if entry["id"] ==
               "selfheal"]
    local = {**hook, "language": "system"}
    return json.dumps({"repos": [{"repo": "local", "hooks": [local]}]}, indent=2) + "\n"


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """What `git commit` runs with: this venv's `selfheal` on PATH, private caches."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "TMPDIR": str(scratch),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@pytest.fixture
def project(tmp_path: Path, environment: dict[str, str]) -> Path:
    root = make_git_project(tmp_path / "project", {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        ".gitignore": "__pycache__/\n",
        ".pre-commit-config.yaml": hook_config(),
        "src/ages/__init__.py": "",
        "src/ages/rules.py": RULES,
        "tests/test_rules.py": TESTS,
    })
    assert PRE_COMMIT is not None
    subprocess.run([PRE_COMMIT, "install"], cwd=root, env=environment, check=True,
                   capture_output=True)
    return root


def commit(root: Path, environment: dict[str, str], message: str) -> subprocess.CompletedProcess[
        str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_shipped_manifest_is_valid_for_pre_commit() -> None:
    assert PRE_COMMIT is not None
    result = subprocess.run([PRE_COMMIT, "validate-manifest", str(MANIFEST)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_failing_commit_is_blocked_with_a_fix_branch_that_takes_it_through(
    project: Path, environment: dict[str, str],
) -> None:
    head = git(project, "rev-parse", "HEAD")
    (project / "src/ages/rules.py").write_text(NEW_RULES)
    (project / "tests/test_rules.py").write_text(NEW_TESTS)
    git(project, "add", "-A")
    staged = git(project, "ls-files", "--stage")

    blocked = commit(project, environment, "Add is_senior")

    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "selfheal: the tests fail on the staged content, so this commit is blocked." in output
    # Nothing committed on the user's branch; the staged change is still staged, as it was.
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "ls-files", "--stage") == staged
    assert (project / "src/ages/rules.py").read_text() == NEW_RULES
    # The fix branch holds exactly the staged change plus the fix.
    (branch,) = git(project, "branch", "--list", "selfheal/*",
                    "--format=%(refname:short)").split()
    assert f"review it:  selfheal show {branch}" in output
    assert git(project, "show", f"{branch}:src/ages/rules.py") == NEW_RULES.replace(
        "age > 18", "age >= 18")
    assert git(project, "log", "--format=%s", f"{head.strip()}..{branch}").splitlines() == [
        "fix(ages.rules): heal test_adult_at_18", "selfheal: snapshot of the staged changes"]
    # The hook's own line, after pytest's (which names the temporary worktree's copy).
    report = [line for line in output.splitlines() if "HTML report: " in line][-1]
    assert Path(report.split("HTML report: ")[1]).parent == project / ".selfheal/reports"
    # The temporary worktree is gone, from the disk and from git's list.
    assert git(project, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert os.listdir(environment["TMPDIR"]) == []

    # Taking the fix as printed, then committing again, goes through.
    take = next(line for line in output.splitlines() if "take it:" in line)
    git(project, *take.split("take it:")[1].split()[1:])
    passed = commit(project, environment, "Add is_senior")

    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^selfheal\.+Passed$", passed.stdout + passed.stderr, re.MULTILINE)
    assert git(project, "log", "-1", "--format=%s").strip() == "Add is_senior"
    assert git(project, "show", "HEAD:src/ages/rules.py") == NEW_RULES.replace(
        "age > 18", "age >= 18")
    assert git(project, "status", "--porcelain") == ""


def test_only_the_staged_content_is_tested(project: Path, environment: dict[str, str]) -> None:
    # Staged: a good change. In the working tree only: a bug that is not being committed.
    (project / "README.md").write_text("# ages\n")
    git(project, "add", "README.md")
    (project / "src/ages/rules.py").write_text(RULES.replace("age >= 18", "age > 18"))

    result = commit(project, environment, "Add a README")

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^selfheal\.+Passed$", result.stdout + result.stderr, re.MULTILINE)
    assert git(project, "log", "-1", "--format=%s").strip() == "Add a README"
    assert (project / "src/ages/rules.py").read_text() == RULES.replace("age >= 18", "age > 18")
    assert git(project, "branch", "--list", "selfheal/*") == ""


def test_the_very_first_commit_is_checked_and_healed_too(
    tmp_path: Path, environment: dict[str, str],
) -> None:
    root = make_git_project(tmp_path / "first", {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        ".pre-commit-config.yaml": hook_config(),
        "src/ages/__init__.py": "",
        "src/ages/rules.py": RULES.replace("age >= 18", "age > 18"),
        "tests/test_rules.py": TESTS,
    }, commit=False)
    assert PRE_COMMIT is not None
    subprocess.run([PRE_COMMIT, "install"], cwd=root, env=environment, check=True,
                   capture_output=True)
    git(root, "add", "-A")

    blocked = commit(root, environment, "First")

    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    # Still nothing on main; one branch holds a snapshot of the staged files and the fix.
    review = next(line for line in output.splitlines() if "review it:" in line)
    assert git(root, "branch", "--format=%(refname:short)").split() == [review.split()[-1]]
    assert len(git(root, "rev-list", "--all").split()) == 2
    take = next(line for line in output.splitlines() if "take it:" in line)
    git(root, *take.split("take it:")[1].split()[1:])
    passed = commit(root, environment, "First")

    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(root, "log", "--format=%s").splitlines() == ["First"]
    assert git(root, "show", "HEAD:src/ages/rules.py") == RULES


def test_commit_a_is_checked_on_what_it_would_commit(
    project: Path, environment: dict[str, str],
) -> None:
    # Nothing staged: `git commit -a` builds its own temporary index, which the hook reads.
    (project / "src/ages/rules.py").write_text(RULES.replace("age >= 18", "age > 18"))
    head = git(project, "rev-parse", "HEAD")

    blocked = subprocess.run(["git", "commit", "-a", "-m", "Tweak"], cwd=project,
                             env=environment, capture_output=True, text=True, timeout=300,
                             check=False)

    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "healed tests/test_rules.py::test_adult_at_18 on branch selfheal/" in output
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == " M src/ages/rules.py\n"
