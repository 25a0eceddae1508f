"""Candidates judged on a real Dask cluster: the same verdicts as on this machine, a
worker lost mid-run never turns into a pass, a scheduler that goes away stops healing
with a message that says so, and ``pytest --selfheal --selfheal-executor dask://...``
heals end to end."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ages_project import PROJECT
from distributed import Client, LocalCluster, get_task_stream
from test_evaluate import (
    ADULT,
    ADULT_AT_18,
    CHILD,
    FIXED,
    LIB,
    LOOPING,
    candidate,
    make_layout,
)
from test_evolve_e2e import FAST, FAST_CODE, SLOW, WRONG, answers_rewrites
from test_evolve_e2e import PROJECT as UNIQUE_PROJECT

from pytest_selfheal._evaluate import Evaluator, ProjectLayout, Workload
from pytest_selfheal._evaluate.dask_executor import DaskExecutor
from pytest_selfheal._evaluate.remote import pack_project
from pytest_selfheal._options import ExecutorAddress
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.testing import OpenAIServer, git, make_git_project

# Dask's own clean-up at interpreter shutdown and its deprecations are not ours to fail on.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::ResourceWarning",
                                        "ignore::UserWarning")

ERRORING = "import module_that_does_not_exist\n\ndef is_adult(age):\n    return age >= 18\n"
SLOW_WRONG = "import time\n\ndef is_adult(age):\n    time.sleep(4)\n    return age > 18\n"
EXPECTED = {ADULT_AT_18: "passed", CHILD: "passed", ADULT: "passed"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as started:
        yield started


def workload(seconds_per_test: float = 0.05) -> Workload:
    return Workload(EXPECTED, dict.fromkeys(EXPECTED, seconds_per_test),
                    deadline=time.perf_counter() + 600)


@pytest.fixture
def age_project(tmp_path: Path) -> ProjectLayout:
    return make_layout(tmp_path)


def on_cluster(layout: ProjectLayout, address: str, shared: Path | None = None) -> Evaluator:
    executor = DaskExecutor(ExecutorAddress(address, shared), layout)
    return Evaluator(layout, workers=1, zygote=None, executor=executor)


def verdicts_of(pool: Evaluator, sources: list[str], work: Workload) -> list[tuple]:
    try:
        judged = pool.judge_all([candidate(source) for source in sources], work,
                                should_stop=lambda: False)
    finally:
        pool.close()
    return [(v.passed, v.tests_passed, v.pattern, "timed out" in v.reason) for v in judged]


def test_the_shipped_project_leaves_out_version_control_and_environments(age_project):
    with tarfile.open(fileobj=io.BytesIO(pack_project(age_project.root))) as archive:
        names = set(archive.getnames())
    assert {"src/lib/age.py", "tests/test_age.py", "pytest.ini"} <= names
    assert not [name for name in names if name.startswith((".git", ".venv"))]


def test_the_cluster_gives_the_verdicts_this_machine_gives(age_project, cluster):
    sources = [FIXED, LIB, ERRORING, LOOPING]
    local = verdicts_of(Evaluator(age_project, workers=2, zygote=None), sources, workload())
    with (Client(cluster.scheduler_address, set_as_default=False) as client,
          get_task_stream(client) as stream):
        remote = verdicts_of(on_cluster(age_project, cluster.scheduler_address), sources,
                             workload())
    assert remote == local
    assert [passed for passed, *_ in remote] == [True, False, False, False]
    assert remote[3][3], "the looping candidate was cut off by its time limit"
    # Every candidate ran on the cluster (a run cut off by the busy machine runs again
    # there with more time, as it would here).
    ran = [task["key"] for task in stream.data if "selfheal-run" in str(task["key"])]
    assert len(ran) >= len(sources)


def test_workers_read_the_project_from_a_shared_path_when_told(age_project, cluster,
                                                               tmp_path):
    shared = verdicts_of(on_cluster(age_project, cluster.scheduler_address, age_project.root),
                         [FIXED, LIB], workload())
    assert [passed for passed, *_ in shared] == [True, False]
    # A path the workers do not have fails every candidate with the reason; none passes.
    pool = on_cluster(age_project, cluster.scheduler_address, tmp_path / "not-mounted")
    try:
        judged = pool.judge_all([candidate(FIXED)], workload(), should_stop=lambda: False)
    finally:
        pool.close()
    assert not judged[0].passed
    assert f"the project is not at {tmp_path / 'not-mounted'} on this worker" in judged[0].reason


def test_a_worker_killed_mid_run_never_makes_a_candidate_pass(age_project, cluster):
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            while True:  # until a run has been handed to a worker
                busy = [address for address, keys in client.processing().items()
                        if any("selfheal-run" in str(key) for key in keys)]
                if busy:
                    break
                time.sleep(0.05)
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    # Each test sleeps 4 s: a few times that is the limit, so the kill lands mid-run.
    verdicts = verdicts_of(on_cluster(age_project, cluster.scheduler_address),
                           [SLOW_WRONG, FIXED], workload(seconds_per_test=4.0))
    killer.join()
    assert killed
    # The run on the dead worker is retried on another one (or reported lost): the
    # wrong candidate still fails and the right one still passes.
    assert [passed for passed, *_ in verdicts] == [False, True]
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=120)  # the nanny restarts it for later tests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def scheduler_process(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A scheduler and a worker of two threads, each its own process, like a real
    cluster; the test may kill the scheduler."""
    address = f"tcp://127.0.0.1:{free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                  "--no-dashboard"], **quiet)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                               "--nthreads", "2", "--no-dashboard",
                               "--local-directory", str(tmp_path)], **quiet)
    try:
        yield address, scheduler
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait()


def test_a_scheduler_that_goes_away_stops_healing_with_a_clear_message(
        age_project, scheduler_process):
    address, scheduler = scheduler_process
    pool = on_cluster(age_project, address)

    def kill_the_scheduler_once_a_verdict_is_in(verdict) -> None:
        if scheduler.poll() is None:
            scheduler.kill()  # the slow candidate is still running on the other thread
            scheduler.wait()

    try:
        with pytest.raises(EvaluationError) as excinfo:
            pool.judge_all([candidate(FIXED), candidate(SLOW_WRONG)], workload(4.0),
                           should_stop=lambda: False,
                           on_verdict=kill_the_scheduler_once_a_verdict_is_in)
        message = str(excinfo.value)
        assert f"the Dask cluster at {address} cannot be used any more" in message
        assert "healing stopped" in message
        # Later heals stop at once, with the same message, instead of waiting.
        with pytest.raises(EvaluationError, match="healing stopped"):
            pool.judge_all([candidate(FIXED)], workload(), should_stop=lambda: False)
    finally:
        pool.close()


def test_an_unreachable_scheduler_is_an_error_naming_it_and_the_flag(age_project):
    address = f"tcp://127.0.0.1:{free_port()}"
    pool = on_cluster(age_project, address)
    try:
        with pytest.raises(EvaluationError) as excinfo:
            pool.judge_all([candidate(FIXED)], workload(), should_stop=lambda: False)
    finally:
        pool.close()
    assert f"cannot use the Dask scheduler at {address} given by --selfheal-executor" in str(
        excinfo.value)


def test_pytest_selfheal_heals_with_candidates_judged_on_the_cluster(
        workdir: Path, pytester: pytest.Pytester, cluster):
    root = make_git_project(workdir, PROJECT)
    url = cluster.scheduler_address.replace("tcp://", "dask://")
    result = pytester.run(sys.executable, "-m", "pytest", "--selfheal",
                          "--selfheal-executor", url, timeout=300)
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the original outcome stands
    result.stdout.fnmatch_lines([f"*executor {url}*", "*= selfheal =*",
                                 "HEALED   tests/test_rules.py::test_adult_at_18 (*"])
    branch = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    assert len(branch) == 1
    assert "age >= 18" in git(root, "show", f"{branch[0]}:src/ages/rules.py")


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    with OpenAIServer(respond=answers_rewrites) as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-evolve-test-0123456789")
        yield running


def test_the_evolve_engine_judges_its_population_on_the_cluster(
        workdir: Path, pytester: pytest.Pytester, cluster, model_server):
    model_server.add(WRONG, SLOW, FAST)
    root = make_git_project(workdir, UNIQUE_PROJECT)
    url = cluster.scheduler_address.replace("tcp://", "dask://")
    with (Client(cluster.scheduler_address, set_as_default=False) as client,
          get_task_stream(client) as stream):
        result = pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-model",
                              "fake-model", "--selfheal-engine", "evolve",
                              "--selfheal-population", "3", "--selfheal-executor", url,
                              timeout=600)
    result.stdout.fnmatch_lines(["HEALED   tests/test_unique.py::test_empty (*"])
    branch = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    assert FAST_CODE in git(root, "show", f"{branch[0]}:src/uniq/core.py")
    # The first generation's three candidates, at least, were judged on the cluster.
    assert len([task for task in stream.data if "selfheal-run" in str(task["key"])]) >= 3


@pytest.mark.parametrize(("value", "message"), [
    ("dask://scheduler", "--selfheal-executor must be 'local' or a Dask scheduler such as "
                         "'dask://HOST:8786'*got 'dask://scheduler'"),
    ("tcp://scheduler:8786", "--selfheal-executor must be 'local' or a Dask scheduler*"),
    ("dask://scheduler:8786?shared=relative/path", "--selfheal-executor must be*"),
])
def test_a_bad_executor_url_is_a_usage_error_naming_the_flag(pytester, value, message):
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--selfheal", "--selfheal-executor", value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_without_dask_installed_the_executor_is_a_usage_error_naming_the_extra(
        pytester, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what a missing package looks like
    pytester.makepyfile("def test_ok(): pass")
    pytester.makeini("[pytest]\nselfheal_executor = dask://scheduler:8786\n")
    result = pytester.runpytest("--selfheal")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert ("selfheal_executor 'dask://scheduler:8786' needs Dask distributed, which is not "
            "installed: pip install 'pytest-selfheal[dask]'") in result.stderr.str()
