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
import os, signal
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
