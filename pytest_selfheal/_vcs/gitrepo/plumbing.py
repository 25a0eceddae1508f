"""Review branches written beside the user's work, never into it.

A fix becomes one commit built from object plumbing alone (``hash-object``, ``mktree``,
``commit-tree``, ``update-ref``): no index file, real or temporary, is ever read or
written, so HEAD, the index, the working tree, the stash and every other ref stay exactly
as the user left them, a held ``index.lock`` does not matter, and concurrent writers only
meet at the compare-and-swap of their own branch ref.
"""

from __future__ import annotations

import os
import pathlib
import tempfile
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from pytest_selfheal._vcs.gitrepo.commands import GitCommands
from pytest_selfheal.errors import GitError

REGULAR_FILE_MODES = frozenset({"100644", "100755"})
KIND_OF_MODE = {"120000": "symbolic link", "160000": "submodule", "040000": "directory"}


class TreeEntry(NamedTuple):
    """One line of ``git ls-tree``: a name inside a tree and the object behind it."""

    mode: str
    kind: str
    sha: str


class Plumbing(GitCommands):
    """Reading commits and writing review branches with object plumbing."""

    def head_commit(self) -> str | None:
        """The commit HEAD points at, or ``None`` while the current branch has no commits."""
        return self._resolve("HEAD^{commit}")

    def head_branch(self) -> str | None:
        """The short name of the checked-out branch (born or not), ``None`` when detached."""
        status, out = self._run("symbolic-ref", "-q", "HEAD", ok=(0, 1))
        ref = os.fsdecode(out).strip()
        if status != 0 or not ref.startswith("refs/heads/"):
            return None
        return ref.removeprefix("refs/heads/")

    def relative(self, path: str | os.PathLike[str]) -> str:
        """``path`` (absolute, or relative to the current directory) as a POSIX path from root.

        Only the directory part is resolved, so a symbolic link inside the work tree keeps
        its own name instead of becoming wherever it points.
        """
        absolute = pathlib.Path(os.path.abspath(path))
        resolved = absolute.parent.resolve() / absolute.name
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            raise GitError(f"{os.fspath(path)} is outside the repository at {self.root}; only "
                           "files inside the work tree can be committed") from None

    def file_at(self, commit: str, relpath: str) -> bytes | None:
        """The bytes of ``relpath`` in ``commit``, or ``None`` when it is not a file there."""
        sha = self._verify_commit(commit)
        out = self._run("--literal-pathspecs", "ls-tree", "-z", "--full-tree", sha, "--", relpath)
        for name, entry in self._parse_tree(out[1]).items():
            if name == relpath and entry.kind == "blob":
                return self._run("cat-file", "blob", entry.sha)[1]
        return None

    def branch_head(self, branch: str) -> str | None:
        """The commit ``refs/heads/<branch>`` points at, ``None`` when there is no such branch."""
        ref = f"refs/heads/{branch}"
        # for-each-ref matches whole path components, never revision syntax like `x^`, so
        # any string is looked up literally; keep only the exact ref among the matches.
        out = self._run("for-each-ref", "--format=%(refname)%00%(objectname)", ref)[1]
        for line in os.fsdecode(out).splitlines():
            name, _, sha = line.partition("\0")
            if name == ref:
                return sha
        return None

    def unique_branch_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3``... whichever branch does not exist yet."""
        self._check_branch_name(name)
        # A branch `selfheal` and a branch `selfheal/x` cannot both exist (refs are files
        # and directories); no suffix helps, so say what is in the way.
        parts = name.split("/")
        for depth in range(1, len(parts)):
            blocking = "/".join(parts[:depth])
            if self.branch_head(blocking) is not None:
                raise GitError(f"a branch named {blocking!r} exists, so git cannot create "
                               f"{name!r} beside it; rename that branch or choose another "
                               "branch prefix (--selfheal-branch-prefix)")
        candidate, number = name, 1
        while self.branch_head(candidate) is not None or self._has_branches_below(candidate):
            number += 1
            candidate = f"{name}-{number}"
        return candidate

    def _has_branches_below(self, name: str) -> bool:
        """Whether some branch is named ``name/...``, which would block a branch ``name``."""
        return bool(self._text("for-each-ref", "--count=1", "--format=%(refname)",
                               f"refs/heads/{name}/"))

    def commit_files(self, branch: str, files: Mapping[str, bytes], message: str, *,
                     parent: str | None) -> str:
        """Commit ``files`` (POSIX relpath -> exact bytes) on top of ``parent`` to ``branch``.

        The tree is ``parent``'s with ``files`` replaced or added (existing files keep
        their mode, new ones are ``100644``); ``parent`` is the only parent, or the commit
        is a root commit when it is ``None``. The message is stored verbatim. The branch is
        created, or moved from ``parent`` by compare-and-swap. Nothing else is touched.

        :returns: the new commit's sha.
        :raises GitError: when the branch exists and does not point at ``parent``, is
            checked out somewhere, or git refuses any step.
        :raises ValueError: when ``files`` is empty or a path is not a normalized relpath.
        """
        if not files:
            raise ValueError("commit_files needs at least one file to commit")
        for relpath in files:
            _check_relpath(relpath)
        self._check_branch_name(branch)
        ref = f"refs/heads/{branch}"
        parent_sha = None if parent is None else self._verify_commit(parent)
        current = self.branch_head(branch)
        if current is not None and current != parent_sha:
            raise GitError(f"branch {branch} points at {current}, not at the parent "
                           f"{parent_sha or '(none, a root commit)'}; it moved or belongs to "
                           "something else: pick another name with unique_branch_name")
        if self._is_checked_out(ref):
            raise GitError(f"branch {branch} is checked out in a work tree; selfheal only "
                           "writes to branches nobody has checked out")
        blobs = self._write_blobs(files)
        base_tree = None if parent_sha is None else self._resolve(parent_sha + "^{tree}")
        tree = self._write_tree(base_tree, dict(zip(files, blobs, strict=True)), "")
        commit = self.commit_tree(tree, [parent_sha] if parent_sha else [], message)
        expected = current or "0" * len(commit)
        reflog = "commit (selfheal): " + (message.splitlines() or [""])[0]
        self._run("update-ref", "--no-deref", "-m", reflog, ref, commit, expected)
        return commit

    def merge_texts(self, base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
        """The three-way merge of two edits of ``base``, as ``git merge-file`` makes it;
        ``None`` when they conflict."""
        with tempfile.TemporaryDirectory(prefix="selfheal-merge-") as scratch:
            paths = []
            for name, content in (("ours", ours), ("base", base), ("theirs", theirs)):
                paths.append(os.path.join(scratch, name))
                pathlib.Path(paths[-1]).write_bytes(content)
            # The exit status counts the conflicts (up to 127); above it, git failed.
            status, merged = self._run("merge-file", "-p", *paths, ok=range(128))
        return merged if status == 0 else None

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        """Write a commit object of ``tree`` with ``parents``; no ref is moved.

        :returns: the new commit's sha.
        """
        options = [option for parent in parents for option in ("-p", parent)]
        # --no-gpg-sign: an unattended test run must never wait on a signing prompt.
        return self._text("commit-tree", "--no-gpg-sign", tree, *options,
                          stdin=message.encode(), env=self._identity())

    def diff(self, base: str, tip: str) -> str:
        """The patch from ``base`` to ``tip``, as ``git diff base tip`` prints it.

        Plumbing ``diff-tree`` ignores the user's diff configuration (colour, external
        diff drivers, ``noprefix``), so the text always parses as a unified diff.
        """
        return os.fsdecode(self._run("diff-tree", "-r", "-p", "--no-color", base, tip, "--")[1])

    def log_subjects(self, base: str, tip: str) -> list[str]:
        """Subjects of the commits in ``base..tip``, oldest first."""
        out = os.fsdecode(self._run("rev-list", "--reverse", "--format=%s", f"{base}..{tip}",
                                    "--")[1])
        lines = out.split("\n")
        return [subject for header, subject in zip(lines[::2], lines[1::2], strict=False)
                if header.startswith("commit ")]

    def status(self) -> str:
        """``git status --porcelain`` of the work tree: empty when nothing is changed.

        ``--no-optional-locks`` keeps git from refreshing (rewriting) the user's index.
        """
        return os.fsdecode(self._run("--no-optional-locks", "status", "--porcelain")[1]).strip()

    # -- plumbing ---------------------------------------------------------------------

    def _write_blobs(self, files: Mapping[str, bytes]) -> list[str]:
        with tempfile.TemporaryDirectory(prefix="selfheal-blobs-") as scratch:
            paths = []
            for number, content in enumerate(files.values()):
                paths.append(os.path.join(scratch, str(number)))
                pathlib.Path(paths[-1]).write_bytes(content)
            # --no-filters: the exact bytes given, whatever core.autocrlf or
            # .gitattributes would do to a checked-out file.
            return self._text("hash-object", "-w", "--no-filters", "--", *paths).split("\n")

    def _write_tree(self, tree: str | None, changes: Mapping[str, str], prefix: str) -> str:
        """Write ``tree`` with ``changes`` (path below it -> blob) applied; return its sha."""
        entries = {} if tree is None else self._parse_tree(self._run("ls-tree", "-z", tree)[1])
        nested: dict[str, dict[str, str]] = {}
        for path, blob in changes.items():
            head, slash, rest = path.partition("/")
            if slash:
                nested.setdefault(head, {})[rest] = blob
                continue
            old = entries.get(head)
            if old is not None and old.mode not in REGULAR_FILE_MODES:
                raise GitError(f"{prefix}{head} is a {KIND_OF_MODE.get(old.mode, old.mode)} in "
                               "the parent commit; only regular files can be committed")
            entries[head] = TreeEntry(old.mode if old else "100644", "blob", blob)
        for name, below in nested.items():
            old = entries.get(name)
            if old is not None and old.kind != "tree":
                raise GitError(f"{prefix}{name} is a file in the parent commit, so "
                               f"{prefix}{name}/{next(iter(below))} cannot be added")
            subtree = self._write_tree(old.sha if old else None, below, f"{prefix}{name}/")
            entries[name] = TreeEntry("040000", "tree", subtree)
        listing = b"".join(os.fsencode(f"{e.mode} {e.kind} {e.sha}\t{name}") + b"\0"
                           for name, e in entries.items())
        return self._text("mktree", "-z", stdin=listing)

    @staticmethod
    def _parse_tree(listing: bytes) -> dict[str, TreeEntry]:
        entries = {}
        for record in listing.split(b"\0"):
            if record:
                info, _, name = record.partition(b"\t")
                mode, kind, sha = os.fsdecode(info).split(" ")
                entries[os.fsdecode(name)] = TreeEntry(mode, kind, sha)
        return entries

    def _is_checked_out(self, ref: str) -> bool:
        out = os.fsdecode(self._run("worktree", "list", "--porcelain")[1])
        return f"branch {ref}" in out.splitlines()

    def _check_branch_name(self, name: str) -> None:
        status, _ = self._run("check-ref-format", f"refs/heads/{name}", ok=(0, 1))
        if status != 0 or name.startswith("-"):
            raise GitError(f"{name!r} is not a valid branch name; see `git help "
                           "check-ref-format` for the characters a branch may not contain")



def _check_relpath(relpath: str) -> None:
    """Reject a path that cannot name a file of a commit: absolute, ``..``, ``.git``."""
    parts = relpath.split("/")
    if any(part in ("", ".", "..") or part.lower() == ".git" for part in parts):
        raise ValueError(f"{relpath!r} is not a normalized POSIX path inside the repository")
