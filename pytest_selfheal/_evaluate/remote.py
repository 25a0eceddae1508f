"""Candidate runs on other machines: what a job carries, and what a cluster worker does.

The local pool judges a candidate in a fork of the session or in a fresh pytest process
over a scratch copy (:mod:`~pytest_selfheal._evaluate.overlay`). A cluster executor (such
as :mod:`~pytest_selfheal._evaluate.dask_executor`) sends a :class:`RemoteRun` instead;
the worker that gets it calls :func:`run_remote`, which makes the same scratch copy from
the shipped project and runs the same fresh, caged pytest process, so the
:class:`~pytest_selfheal.models.TestRun` that comes back is the one the local
subprocess path would have made. Nothing here imports a cluster library: any executor
that can call a function on another machine can ship these records.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pytest_selfheal._evaluate.contain import Isolation, Limits
from pytest_selfheal._evaluate.overlay import Overlay, ProjectLayout, SubprocessJob
from pytest_selfheal._evaluate.overlay import _ignore_for_copy as ignore_for_copy
from pytest_selfheal._evaluate.spec import RunSpec
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import TestRun

if TYPE_CHECKING:
    from pytest_selfheal._evaluate.workers import Job

#: Seconds after which a worker deletes an unpacked project no run has used.
UNUSED_FOR_S = 24 * 3600


@dataclass(frozen=True)
class RemoteRun:
    """One candidate's run, as it travels to a cluster worker.

    :param layout: the project as the session sees it; the worker puts its own copy's
        root in place of ``layout.root``.
    :param sources: the fixes accepted so far in this session (relative path to text).
    :param files: the candidate's files (relative path to text), written over the copy.
    """

    layout: ProjectLayout
    spec: RunSpec
    limits: Limits
    isolation: Isolation
    sources: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)


class Executor(Protocol):
    """Somewhere other than this machine that judges candidates.

    The evaluator starts at most :meth:`width` runs on it at once and schedules its
    jobs in the same loop as local ones; a run that cannot be carried out at all (the
    cluster is gone) raises :class:`~pytest_selfheal.errors.EvaluationError`, which
    ends the heal with its message.
    """

    def width(self) -> int:
        """How many runs the cluster can carry out at once."""
        ...

    def start(self, run: RemoteRun) -> Job:
        """Send ``run`` off; its job is done when the result is back."""
        ...

    def close(self) -> None:
        """Let go of the cluster: cancel what is still running, disconnect."""
        ...


def pack_project(root: Path) -> bytes:
    """The project as a gzipped tar archive, without what a scratch copy leaves out
    (version control, caches, virtual environments)."""
    buffer = io.BytesIO()
    # Links are followed, as the scratch copy follows them; dangling ones are left out.
    with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as archive:
        for directory, names, files in os.walk(root):
            skipped = ignore_for_copy(directory, [*names, *files])
            names[:] = sorted(name for name in names if name not in skipped)
            for name in sorted(set(files) - skipped):
                path = Path(directory, name)
                if path.exists():
                    archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
    return buffer.getvalue()


def run_remote(project: bytes | str, run: RemoteRun) -> TestRun:
    """Carry out ``run`` on this machine (a cluster worker): copy the project, write the
    accepted fixes and the candidate's files into the copy, and run pytest there in a
    fresh, caged process, as the local subprocess path does.

    :param project: the archive :func:`pack_project` made, or the path of the project
        on a filesystem this machine shares with the session.
    """
    root = Path(project) if isinstance(project, str) else _unpacked(project)
    if not root.is_dir():
        raise EvaluationError(f"the project is not at {root} on this worker")
    overlay = Overlay(replace(run.layout, root=root), run.sources)
    try:
        job = SubprocessJob(overlay, run.spec, run.limits, overlay.new_run_dir(),
                            files=run.files, isolation=run.isolation)
        return job.wait()
    finally:
        overlay.close()


def _unpacked(archive: bytes) -> Path:
    """Where this machine keeps the unpacked ``archive``, unpacked once per worker: the
    copies of each run are made from it."""
    digest = hashlib.sha256(archive).hexdigest()[:20]
    target = Path(tempfile.gettempdir()) / f"selfheal-project-{digest}"
    if target.is_dir():
        os.utime(target)  # in use: not one of the stale copies swept below
        return target
    _sweep_unused(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=f"selfheal-project-{digest}-"))
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as unpacking:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            unpacking.extractall(staging, filter="data")
        else:  # the archive is the session's own, made by pack_project
            unpacking.extractall(staging)
    try:
        staging.rename(target)  # atomic: two runs unpacking at once agree on one copy
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another run's copy won
    return target


def _sweep_unused(directory: Path) -> None:
    """Delete the unpacked projects no run has used for a day: sessions whose project
    has changed since, or that are over, leave theirs behind on every worker."""
    for path in directory.glob("selfheal-project-*"):
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > UNUSED_FOR_S:
                shutil.rmtree(path, ignore_errors=True)
