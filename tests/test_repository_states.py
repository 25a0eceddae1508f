"""`pytest --selfheal` in every state a user's repository can be in.

Each test puts a real repository into one state (uncommitted work, staged changes, a
detached HEAD, a held index lock...), runs `pytest --selfheal` in a real subprocess
(healing hot-reloads the project's modules, so it cannot share this process's imports),
and checks what the user would notice: HEAD, the index, the working tree, the stash and
every other ref are byte-identical afterwards, and each branch the run wrote passes the
whole suite when checked out.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pytest_selfheal.testing import git, make_git_project

RULES = '''\
def is_adult(age):
    """Whether someone of this age is an adult: 18 or older."""
    return age > 18
'''
FIXED_RULES = RULES.replace("age > 18", "age >= 18")
TESTS = '''\
from ages.rules import is_adult


def test_adult_at_18():
    assert is_adult(18)


def test_adult_at_40():
    assert is_adult(40)


def test_not_adult_at_17():
    assert not is_adult(17)
'''
PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "README.md": "# ages\n",
    "src/ages/__init__.py": "",
    "src/ages/rules.py": RULES,
    "tests/test_rules.py": TESTS,
}
SLUG = "test-adult-at-18"
SELFHEAL_REFS = "refs/heads/selfheal/"


def run_pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest ARGS`` in ``root``, as a user would start it there."""
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=root, env=environment, capture_output=True, text=True, timeout=300, check=False)


def start_selfheal(root: Path) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "--selfheal", "-p", "no:cacheprovider", "-p",
         "no:randomly"], cwd=root, env=environment, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


def git_dir(root: Path) -> Path:
    return Path(git(root, "rev-parse", "--absolute-git-dir").strip())


def refs(root: Path) -> dict[str, str]:
    """Every ref of the repository (branches, tags, the stash) and what it points at."""
    listing = git(root, "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ") for line in listing.splitlines())


def optional(root: Path, *args: str) -> str:
    """Output of a git query that may legitimately fail (an unborn HEAD), else ``""``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    return subprocess.run(["git", *args], cwd=root, env=environment, capture_output=True,
                          text=True, check=False).stdout


@dataclass(frozen=True)
class UserState:
    """Everything of the user's that a run must leave byte-identical."""

    head: str
    symbolic_head: str
    index: bytes | None
    index_lock: bytes | None
    status: str
    files: dict[str, tuple[bytes, int]]
    stash: str
    refs: dict[str, str]
    worktrees: str


def user_state(root: Path) -> UserState:
    directory = git_dir(root)
    # Read the index before anything else runs git here: `git status` without
    # --no-optional-locks would refresh it.
    index, lock = directory / "index", directory / "index.lock"
    index_bytes = index.read_bytes() if index.exists() else None
    files = {}
    for folder, subfolders, names in os.walk(root):
        # .selfheal/ is selfheal's own state directory, which git ignores.
        subfolders[:] = [name for name in subfolders if name not in {".git", ".selfheal"}]
        for name in names:
            path = Path(folder, name)
            files[path.relative_to(root).as_posix()] = (path.read_bytes(),
                                                         stat.S_IMODE(path.stat().st_mode))
    return UserState(
        head=optional(root, "rev-parse", "-q", "--verify", "HEAD"),
        symbolic_head=optional(root, "symbolic-ref", "-q", "HEAD"),
        index=index_bytes,
        index_lock=lock.read_bytes() if lock.exists() else None,
        status=git(root, "--no-optional-locks", "status", "--porcelain=v1",
                   "--untracked-files=all"),
        files=files,
        stash=git(root, "stash", "list", "--format=%H %gs"),
        refs=refs(root),
        worktrees=git(root, "worktree", "list", "--porcelain"),
    )


def assert_untouched(root: Path, before: UserState) -> list[str]:
    """Assert the user's state is as ``before``; return the selfheal branches written."""
    after = user_state(root)
    new_refs = sorted(set(after.refs) - set(before.refs))
    assert all(ref.startswith(SELFHEAL_REFS) for ref in new_refs), new_refs
    assert {ref: sha for ref, sha in after.refs.items() if ref not in new_refs} == before.refs
    assert replace(after, refs={}) == replace(before, refs={})
    return [ref.removeprefix("refs/heads/") for ref in new_refs]


def assert_passes_when_checked_out(root: Path, branch: str, tmp_path: Path) -> None:
    """A fresh clone of ``branch`` passes the whole suite with plain pytest."""
    clone = tmp_path / f"clone-of-{branch.replace('/', '-')}"
    git(tmp_path, "clone", "-q", "--branch", branch, str(root), str(clone))
    result = run_pytest(clone, "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    assert "return age >= 18\n" in (clone / "src/ages/rules.py").read_text()


def assert_healed(result: subprocess.CompletedProcess[str]) -> None:
    """The original outcome stands (one failure) and the summary says it was healed."""
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, output
    assert "1 failed, 2 passed" in output, output
    assert "HEALED   tests/test_rules.py::test_adult_at_18" in output, output


# -- the states -------------------------------------------------------------------------


def clean(root: Path) -> None:
    """Nothing changed since the last commit."""


def dirty_elsewhere(root: Path) -> None:
    """Unsaved work in other files, untracked files, a stash and another branch."""
    (root / "README.md").write_text("# ages\n\nstashed draft\n")
    git(root, "stash", "push", "-q", "-m", "draft")
    git(root, "switch", "-q", "-c", "feature")
    (root / "NOTES.md").write_text("feature notes\n")
    git(root, "add", "NOTES.md")
    git(root, "commit", "-q", "-m", "Add notes")
    git(root, "switch", "-q", "main")
    (root / "README.md").write_text("# ages\n\nwork in progress\n")
    (root / "todo.txt").write_text("untracked\n")
    (root / "src/ages/draft.py").write_text("UNTRACKED = True\n")


def dirty_suspect_file(root: Path) -> None:
    """Uncommitted lines in the very file the fix goes into."""
    (root / "src/ages/rules.py").write_text(RULES + "\n\ndef is_senior(age):\n"
                                            "    return age >= 65\n")


def staged_changes(root: Path) -> None:
    """Staged changes (one to the suspect file) with more unstaged on top."""
    (root / "src/ages/rules.py").write_text("# staged comment\n" + RULES)
    (root / "src/ages/extra.py").write_text("STAGED = 1\n")
    git(root, "add", "src/ages/rules.py", "src/ages/extra.py")
    (root / "src/ages/extra.py").write_text("STAGED = 2  # and changed again, unstaged\n")


def detached_head(root: Path) -> None:
    """HEAD detached at an older commit."""
    (root / "README.md").write_text("# ages, second edition\n")
    git(root, "commit", "-q", "-am", "Second commit")
    git(root, "switch", "-q", "--detach", "HEAD~1")


def locked_index(root: Path) -> None:
    """Another git process holds index.lock (or died holding it)."""
    (git_dir(root) / "index.lock").write_bytes(b"held by another git process\n")


def existing_branch_name(root: Path) -> None:
    """Branches already hold the name this run will want, whatever second it starts in.

    The name is ``selfheal/<yyyymmdd-hhmmss>-<test slug>``: taking it for every second of
    the next ten minutes makes the clash certain without knowing when the run starts.
    """
    head = git(root, "rev-parse", "HEAD").strip()
    now = datetime.now()
    commands = "".join(
        f"create refs/heads/selfheal/{(now + timedelta(seconds=s)):%Y%m%d-%H%M%S}-{SLUG} "
        f"{head}\n" for s in range(-5, 600))
    subprocess.run(["git", "update-ref", "--stdin"], cwd=root, input=commands, text=True,
                   check=True, env={k: v for k, v in os.environ.items()
                                    if not k.startswith("GIT_")})


STATES: list[Callable[[Path], None]] = [
    clean, dirty_elsewhere, dirty_suspect_file, staged_changes, detached_head, locked_index,
    existing_branch_name,
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_git_project(tmp_path / "project", PROJECT)


FIX_SUBJECT = "fix(ages.rules): heal test_adult_at_18"
SNAPSHOT_SUBJECT = "selfheal: snapshot of uncommitted changes to src/ages/rules.py"


@pytest.mark.parametrize("state", STATES, ids=lambda state: state.__name__)
def test_a_run_leaves_the_users_repository_byte_identical_and_its_branch_passes(
    state: Callable[[Path], None], project: Path, tmp_path: Path,
) -> None:
    state(project)
    before = user_state(project)

    result = run_pytest(project, "--selfheal")

    assert_healed(result)
    (branch,) = assert_untouched(project, before)
    assert_passes_when_checked_out(project, branch, tmp_path)
    # The branch grows from the user's HEAD (detached or not); when the suspect file had
    # uncommitted lines, they sit in a snapshot commit under the fix, never inside it.
    head = before.head.strip()
    subjects = git(project, "log", "--format=%s", f"{head}..{branch}").splitlines()
    has_snapshot = state in (dirty_suspect_file, staged_changes)
    assert subjects == ([FIX_SUBJECT, SNAPSHOT_SUBJECT] if has_snapshot else [FIX_SUBJECT])
    assert git(project, "rev-parse", f"{branch}~{len(subjects)}").strip() == head
    fix = git(project, "diff", f"{branch}~1", branch)
    assert fix.count("\n+") == fix.count("\n-") == 2  # the file headers and one line each
    assert "-    return age > 18\n+    return age >= 18\n" in fix
    if state is existing_branch_name:
        assert branch.endswith(f"-{SLUG}-2")
        assert f"refs/heads/{branch.removesuffix('-2')}" in before.refs


def test_with_no_commits_yet_no_branch_is_written_and_the_note_says_why(
    tmp_path: Path,
) -> None:
    root = make_git_project(tmp_path / "project", PROJECT, commit=False)
    git(root, "add", "src")  # some of it staged, the rest untracked
    before = user_state(root)

    result = run_pytest(root, "--selfheal")

    assert_healed(result)
    assert "the repository has no commits yet: no branch was written; commit your work" \
        in result.stdout
    assert assert_untouched(root, before) == []


def test_a_branch_named_like_the_prefix_blocks_the_fix_branch_and_the_note_says_so(
    project: Path,
) -> None:
    git(project, "branch", "selfheal")
    before = user_state(project)

    result = run_pytest(project, "--selfheal")

    assert_healed(result)
    assert ("note: no branch written: a branch named 'selfheal' exists, so git cannot create "
            "'selfheal/") in result.stdout
    assert "+    return age >= 18" in result.stdout  # the diff, to apply by hand
    assert assert_untouched(project, before) == []


def test_two_runs_at_once_each_write_their_own_branch(project: Path, tmp_path: Path) -> None:
    before = user_state(project)
    # Both started before either finishes: they heal the same test in the same repository
    # and may well pick the same branch name in the same second.
    first, second = start_selfheal(project), start_selfheal(project)
    outputs = [run.communicate(timeout=300)[0] for run in (first, second)]

    for run, output in zip((first, second), outputs, strict=True):
        assert run.returncode == pytest.ExitCode.TESTS_FAILED, output
        assert "HEALED   tests/test_rules.py::test_adult_at_18" in output
    branches = assert_untouched(project, before)
    assert len(branches) == 2
    for branch in branches:
        assert git(project, "log", "--format=%s", f"main..{branch}").splitlines() == [
            "fix(ages.rules): heal test_adult_at_18"]
        assert_passes_when_checked_out(project, branch, tmp_path)


def bare_repository(root: Path) -> str:
    git(root, "config", "core.bare", "true")
    return "is a bare repository"


def dangling_git_file(root: Path) -> str:
    # A linked worktree whose main repository was deleted or moved.
    git(root, "worktree", "add", "-q", "--detach", str(root.parent / "linked"))
    linked = root.parent / "linked"
    (linked / ".git").write_text(f"gitdir: {root.parent / 'moved-away' / 'worktrees/linked'}\n")
    return "points to the git directory"


@pytest.mark.parametrize("break_repository", [bare_repository, dangling_git_file],
                         ids=lambda function: function.__name__)
def test_without_a_usable_repository_the_heal_is_reported_and_nothing_written(
    break_repository: Callable[[Path], str], project: Path,
) -> None:
    why = break_repository(project)
    work_tree = project.parent / "linked" if (project.parent / "linked").exists() else project
    files_before = {path: path.read_bytes() for path in work_tree.rglob("*")
                    if path.is_file() and ".git" not in path.parts}

    result = run_pytest(work_tree, "--selfheal")

    assert_healed(result)
    assert "note: no branch was written: " in result.stdout
    assert why in result.stdout
    assert "+    return age >= 18" in result.stdout  # the diff, to apply by hand
    files_after = {path: path.read_bytes() for path in work_tree.rglob("*")
                   if path.is_file() and not {".git", ".selfheal"} & set(path.parts)}
    assert files_after == files_before
