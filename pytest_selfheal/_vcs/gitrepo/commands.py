"""Running git: the only module of pytest-selfheal that imports :mod:`git` (GitPython).

Every ``git.exc`` and :class:`OSError` becomes a :class:`~pytest_selfheal.errors.GitError`
(or :class:`~pytest_selfheal.errors.NotARepositoryError`) here, at one boundary.
"""

from __future__ import annotations

import os
import pathlib
import tempfile
from collections.abc import Collection, Mapping
from typing import BinaryIO, NamedTuple, cast

import git

from pytest_selfheal.errors import GitError, NotARepositoryError

FALLBACK_NAME = "pytest-selfheal"
FALLBACK_EMAIL = "selfheal@localhost"


class RepositoryPaths(NamedTuple):
    """Where a work tree and its git directories are, all resolved."""

    root: pathlib.Path
    git_dir: pathlib.Path
    common_dir: pathlib.Path


def discover_paths(path: str | os.PathLike[str]) -> RepositoryPaths:
    """The work tree containing ``path`` (the linked worktree's own root, if any).

    :raises NotARepositoryError: when no repository contains ``path``, or it is bare.
    """
    try:
        with git.Repo(path, search_parent_directories=True) as repo:
            work_tree, git_dir = repo.working_tree_dir, repo.git_dir
            common_dir = repo.common_dir
    except git.exc.NoSuchPathError as exc:
        raise NotARepositoryError(f"{os.fspath(path)} does not exist; no repository "
                                  "to write a branch to") from exc
    except git.exc.InvalidGitRepositoryError as exc:
        broken = _dangling_git_file(pathlib.Path(path))
        if broken is not None:
            raise NotARepositoryError(
                f"{broken} points to the git directory {_gitdir_of(broken)}, which does not "
                "exist (a worktree whose repository was moved or deleted?); run `git worktree "
                "repair` in the main repository to let selfheal write branches") from exc
        raise NotARepositoryError(f"{os.fspath(path)} is not inside a git work tree; run "
                                  "`git init` there to let selfheal write branches") from exc
    except OSError as exc:
        raise NotARepositoryError(f"cannot look for a repository at {os.fspath(path)}: "
                                  f"{exc}") from exc
    if work_tree is None:
        raise NotARepositoryError(f"{git_dir} is a bare repository; run selfheal inside a "
                                  "checkout of it (`git clone` or `git worktree add`)")
    return RepositoryPaths(pathlib.Path(work_tree).resolve(), pathlib.Path(git_dir).resolve(),
                           pathlib.Path(common_dir).resolve())


def _dangling_git_file(start: pathlib.Path) -> pathlib.Path | None:
    """The nearest ``.git`` file at or above ``start`` whose ``gitdir:`` is missing."""
    start = start.resolve()
    for directory in (start, *start.parents):
        dotgit = directory / ".git"
        if dotgit.is_dir():
            return None  # a real repository is nearer: not what broke the search
        if dotgit.is_file():
            target = _gitdir_of(dotgit)
            return dotgit if target is not None and not target.exists() else None
    return None


def _gitdir_of(dotgit: pathlib.Path) -> pathlib.Path | None:
    """The directory a ``.git`` file names (``gitdir: PATH``), relative paths resolved."""
    try:
        text = dotgit.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    return dotgit.parent / text.removeprefix("gitdir:").strip()


def init_work_tree(path: str | os.PathLike[str]) -> None:
    """``git init`` a new repository on branch ``main`` at ``path``."""
    try:
        git.Git(os.fspath(path)).init("-q", "-b", "main")
    except (git.exc.GitCommandError, git.exc.GitCommandNotFound, OSError) as exc:
        raise GitError(f"cannot create a repository at {os.fspath(path)}: {exc}") from exc


class GitCommands:
    """Runs ``git`` commands pinned to one work tree; the base of :class:`GitRepo`."""

    def __init__(self, root: pathlib.Path, git_dir: pathlib.Path, common_dir: pathlib.Path):
        """Prefer ``GitRepo.discover``; this takes paths that are already resolved."""
        self.root = root
        self.git_dir = git_dir
        self.common_dir = common_dir
        self._git = git.Git(os.fspath(root))
        # Inside a git hook GIT_DIR, GIT_WORK_TREE, GIT_COMMON_DIR or GIT_INDEX_FILE may be
        # exported for some other repository or index (`git commit` points GIT_INDEX_FILE
        # at the index it is building); pin every command to the one that was discovered.
        self._git.update_environment(
            GIT_DIR=os.fspath(git_dir),
            GIT_WORK_TREE=os.fspath(root),
            GIT_COMMON_DIR=os.fspath(common_dir),
            GIT_INDEX_FILE=os.fspath(git_dir / "index"),
        )

    def __repr__(self) -> str:
        return f"GitRepo({os.fspath(self.root)!r})"

    def _identity(self) -> dict[str, str]:
        """Fallback author/committer for whatever neither config nor environment sets."""
        pattern = r"^(user|author|committer)\.(name|email)$"
        out = self._run("config", "--get-regexp", pattern, ok=(0, 1))[1]
        keys = {line.split(" ", 1)[0].lower() for line in os.fsdecode(out).splitlines()}
        env = {}
        for role in ("author", "committer"):
            for field, fallback in (("name", FALLBACK_NAME), ("email", FALLBACK_EMAIL)):
                variable = f"GIT_{role.upper()}_{field.upper()}"
                configured = {f"user.{field}", f"{role}.{field}"} & keys
                if not configured and variable not in os.environ and not (
                        field == "email" and "EMAIL" in os.environ):
                    env[variable] = fallback
        return env

    def _verify_commit(self, revision: str) -> str:
        sha = self._resolve(revision + "^{commit}")
        if sha is None:
            raise GitError(f"{revision!r} is not a commit in {self.root}")
        return sha

    def _resolve(self, revision: str) -> str | None:
        status, out = self._run("rev-parse", "-q", "--verify", revision, ok=(0, 1))
        return os.fsdecode(out).strip() if status == 0 else None

    def _text(self, *args: str, stdin: bytes | None = None,
              env: Mapping[str, str] | None = None) -> str:
        return os.fsdecode(self._run(*args, stdin=stdin, env=env)[1]).strip()

    def _run(self, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None,
             ok: Collection[int] = (0,)) -> tuple[int, bytes]:
        """Run ``git *args``; return its status and raw stdout, or raise :class:`GitError`."""
        status, out, err = self._execute(args, stdin=stdin, env=env)
        if status not in ok:
            detail = os.fsdecode(err).strip() or f"exit status {status}"
            raise GitError(f"git {' '.join(args)} failed in {self.root}: {detail}")
        return status, out

    def _execute(self, args: Collection[str], *, stdin: bytes | None = None,
                 env: Mapping[str, str] | None = None) -> tuple[int, bytes, bytes]:
        """Run ``git *args`` whatever its exit status; return status, stdout, stderr."""
        command = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args]
        try:
            with tempfile.TemporaryFile() as feed:
                feed.write(stdin or b"")
                feed.seek(0)
                status, out, err = self._git.execute(
                    command, istream=cast(BinaryIO, feed), with_extended_output=True,
                    with_exceptions=False, stdout_as_string=False,
                    strip_newline_in_stdout=False, env=env)
        except git.exc.GitCommandNotFound as exc:
            raise GitError(f"cannot run git in {self.root}: {exc}; install git or set "
                           "GIT_PYTHON_GIT_EXECUTABLE to its path") from exc
        except OSError as exc:
            raise GitError(f"cannot run git in {self.root}: {exc}") from exc
        return status, out, cast(bytes, err)
