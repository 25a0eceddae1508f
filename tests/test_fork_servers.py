"""Fork servers judged alone, in a fresh interpreter: the scripts below start real servers
(real forks, the real cage) without a test session around them, as the session's
evaluator does. Each script prints one JSON line per run it collected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="fork servers run on Linux")

# A runner that stands for the session's: it reports each test as passed.
SETUP = '''\
import json
import os
import signal
import sys
import time
from pathlib import Path

from pytest_selfheal._evaluate import Limits, Overlay, ProjectLayout
from pytest_selfheal._evaluate.contain import Isolation
from pytest_selfheal._evaluate.spec import RunSpec
from pytest_selfheal._evaluate.zygote import ForkServer, ServerJob, Zygote


def runner(spec, emit):
    for nodeid in spec.nodeids:
        while nodeid == "t::forever":
            time.sleep(0.01)
        for _ in range(300 if nodeid == "t::chatty" else 0):
            emit({"event": "note", "message": "x" * 1000})
        emit({"event": "start", "nodeid": nodeid})
        for when in ("setup", "call", "teardown"):
            emit({"event": "report", "nodeid": nodeid, "when": when, "outcome": "passed",
                  "duration": 0.0, "message": "", "longrepr": ""})
    emit({"event": "finish"})


root = Path(sys.argv[1])
layout = ProjectLayout(root=root, inifile=None, test_files=())
zygote = Zygote(runner=runner, root=str(root))
overlay = Overlay(layout, {})
limits = Limits(timeout_s=20, cpu_s=20)


def server():
    return ForkServer(zygote, overlay, Isolation(), overlay.cage(limits.processes))


def job(on, name, *others):
    spec = RunSpec(nodeids=(name, *others), expected={name: "passed"})
    return ServerJob(on, spec, limits, None, overlay.new_run_dir(), str(root))


def kill_the_server(on):
    """Kill the server itself, the process below the one the session forked."""
    children = Path(f"/proc/{on.pid}/task/{on.pid}/children")
    deadline = time.perf_counter() + 30
    while not children.read_text().split() and time.perf_counter() < deadline:
        time.sleep(0.01)
    os.kill(int(children.read_text().split()[0]), signal.SIGKILL)


def collect(jobs):
    deadline = time.perf_counter() + 60
    while not all(each.done for each in jobs) and time.perf_counter() < deadline:
        time.sleep(0.01)
    for each in jobs:
        run = each.finish()
        print(json.dumps({"outcomes": run.outcomes, "problem": run.problem,
                          "never_ran": each.never_ran, "lost": each.lost,
                          "notes": each.server.notes}), flush=True)
'''


def run_script(tmp_path: Path, body: str) -> list[dict[str, Any]]:
    (tmp_path / "project").mkdir()
    script = tmp_path / "script.py"
    script.write_text(SETUP + body)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "project")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_second_job_waits_on_a_busy_server_and_each_gets_its_own_result(
        tmp_path: Path) -> None:
    runs = run_script(tmp_path, '''
first = server()
collect([job(first, "t::one"), job(first, "t::two"), job(first, "t::three")])
''')
    assert [(run["outcomes"], run["notes"]) for run in runs] == [
        ({"t::one": "passed"}, []), ({"t::two": "passed"}, []), ({"t::three": "passed"}, [])]


def test_closing_a_server_twice_leaves_the_next_server_running(tmp_path: Path) -> None:
    # The second close used to close the descriptor numbers again, which by then were
    # the new server's pipes: that server died on its next write.
    runs = run_script(tmp_path, '''
old = server()
old.close()
new = server()
old.close()
collect([job(new, "t::after")])
''')
    assert runs == [{"outcomes": {"t::after": "passed"}, "problem": "", "never_ran": False,
                     "lost": False, "notes": []}]


def test_a_server_that_dies_leaves_a_note_and_the_job_waiting_on_it_never_ran(
        tmp_path: Path) -> None:
    runs = run_script(tmp_path, '''
doomed = server()
jobs = [job(doomed, "t::forever"), job(doomed, "t::queued")]
os.kill(doomed.pid, signal.SIGKILL)  # the server dies with the process above it
collect(jobs)
''')
    running, waiting = runs
    assert "the fork server died" in running["problem"]
    assert waiting["never_ran"]
    assert not running["never_ran"]
    assert running["notes"] == ["a fork server ended unexpectedly: the run it was in the "
                                "middle of and those waiting on it were started again"]
    assert running["lost"]


def test_a_large_job_queued_behind_one_that_sends_much_does_not_stall_the_session(
        tmp_path: Path) -> None:
    # Both are larger than a pipe holds: the session writing the second job and the
    # server writing the first one's events must not wait for each other.
    runs = run_script(tmp_path, '''
busy = server()
names = [f"t::other_{index}_" + "y" * 200 for index in range(2000)]
collect([job(busy, "t::chatty"), job(busy, "t::big", *names)])
''')
    assert [run["outcomes"] for run in runs] == [
        {"t::chatty": "passed"},
        {"t::big": "passed", **{f"t::other_{index}_" + "y" * 200: "passed"
                                for index in range(2000)}}]


def test_a_server_outlives_the_moment_its_cage_has_an_empty_dev(tmp_path: Path) -> None:
    # The server mounts an empty /dev in the mount namespace it shares with the process
    # above it, then binds the devices back. That process used to open /dev/null when
    # it closed what it inherited: 1 server in about 300 died of it. Here it closes them
    # exactly while /dev is empty.
    runs = run_script(tmp_path, '''
from pytest_selfheal._evaluate import cage, lockdown

session = os.getpid()
dev_empty, said_dev_empty = os.pipe()
closing_done, said_closing_done = os.pipe()
mount, close_inherited = cage._mount, lockdown.close_inherited


def mount_then_wait(source, target, *args):
    mount(source, target, *args)
    if (source, target) == ("tmpfs", "/dev"):
        os.close(said_closing_done)  # the read below ends if the process above dies
        os.write(said_dev_empty, b"x")
        os.read(closing_done, 1)


def close_while_dev_is_empty(keep, *rest):
    if os.getppid() != session:  # a child of the server
        return close_inherited(keep, *rest)
    os.read(dev_empty, 1)
    close_inherited({*keep, said_closing_done}, *rest)
    os.write(said_closing_done, b"x")


cage._mount, lockdown.close_inherited = mount_then_wait, close_while_dev_is_empty
started = server()
for fd in (said_dev_empty, said_closing_done):
    os.close(fd)
collect([job(started, "t::one")])
''')
    assert runs == [{"outcomes": {"t::one": "passed"}, "problem": "", "never_ran": False,
                     "lost": False, "notes": []}]


def test_a_server_killed_under_its_job_says_by_what(tmp_path: Path) -> None:
    runs = run_script(tmp_path, '''
doomed = server()
running = job(doomed, "t::forever")
kill_the_server(doomed)
collect([running])
''')
    assert runs[0]["lost"]
    assert sorted(runs[0]["notes"]) == [
        "a fork server ended unexpectedly: the run it was in the middle of and those "
        "waiting on it were started again",
        "the fork server was killed by signal 9"]


def test_a_measurement_whose_server_dies_under_it_runs_again(tmp_path: Path) -> None:
    # Measurements get no second run when their time box cuts them off; a server that
    # died says nothing of the run, so that one is started again all the same.
    runs = run_script(tmp_path, '''
from pytest_selfheal._evaluate.pool import Evaluator

killed = []
start_job = ServerJob.__init__


def first_server_dies(self, on, *args):
    start_job(self, on, *args)
    if not killed:
        killed.append(on)
        kill_the_server(on)


ServerJob.__init__ = first_server_dies
evaluator = Evaluator(layout, workers=1, zygote=zygote)
run = evaluator.run(["t::one"], limits)
print(json.dumps({"outcomes": run.outcomes, "problem": run.problem,
                  "notes": evaluator.notes}), flush=True)
evaluator.close()
''')
    (run,) = runs
    assert (run["outcomes"], run["problem"]) == ({"t::one": "passed"}, "")
    assert sorted(run["notes"]) == [
        "a fork server ended unexpectedly: the run it was in the middle of and those "
        "waiting on it were started again", "the fork server was killed by signal 9"]


def test_what_a_fork_costs_is_measured_with_a_run_of_no_test(tmp_path: Path) -> None:
    # The first candidate's limits wait for this measurement: running the workload's
    # own test in it would add that test's time, and one that hangs the heal's whole
    # time, after which nothing is measured at all.
    runs = run_script(tmp_path, '''
from pytest_selfheal._evaluate.pool import Evaluator
from pytest_selfheal._evaluate.workload import Workload

evaluator = Evaluator(layout, workers=1, zygote=zygote)
# Timed as quick by the session; it hangs in forks, as a test may on a busy machine.
workload = Workload(expected={"t::forever": "passed"}, durations={"t::forever": 0.01},
                    deadline=time.perf_counter() + 20)
limits = evaluator.candidate_limits(workload, "fork")
print(json.dumps({"observed": evaluator.costs["fork"].observations,
                  "timeout_s": limits.timeout_s}), flush=True)
evaluator.close()
''')
    (measured,) = runs
    [(tests, overhead_s)] = measured["observed"]
    assert tests == 0
    assert 0 < overhead_s < measured["timeout_s"] < 20
