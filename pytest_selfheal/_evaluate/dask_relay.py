"""The relay process between a test session and a Dask scheduler.

Started by :class:`~pytest_selfheal._evaluate.dask_executor.DaskExecutor` as
``python -m pytest_selfheal._evaluate.dask_relay``, it holds the Dask client (and the
client's event loop thread, which the session must not have), submits each run to the
cluster as a call of :func:`~pytest_selfheal._evaluate.remote.run_remote`, and writes
results back as they come. It ends when its input ends. The frames are described in
:mod:`~pytest_selfheal._evaluate.dask_executor`.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from concurrent.futures import CancelledError
from typing import IO, Any

from pytest_selfheal._evaluate.dask_executor import read_frame, write_frame
from pytest_selfheal._evaluate.remote import run_remote

#: How often the relay checks that the scheduler and the session are still there.
WATCH_INTERVAL_S = 0.2


class Relay:
    """Submits runs, and reports each one's end on the session's pipe."""

    def __init__(self, client: Any, project: Any, output: IO[bytes]) -> None:
        self.client = client
        self.project = project
        self.output = output
        self.futures: dict[int, Any] = {}
        self.lock = threading.Lock()  # results are written from the client's threads

    def send(self, message: tuple[Any, ...]) -> None:
        with self.lock:
            write_frame(self.output, message)

    def submit(self, key: int, run: Any) -> None:
        future = self.client.submit(run_remote, self.project, run, pure=False,
                                    key=f"selfheal-run-{os.getpid()}-{key}")
        self.futures[key] = future
        future.add_done_callback(lambda done: self.report(key, done))

    def cancel(self, key: int) -> None:
        future = self.futures.pop(key, None)
        if future is not None:
            future.cancel()

    def report(self, key: int, future: Any) -> None:
        from distributed import KilledWorker

        if self.futures.pop(key, None) is None:
            return  # cancelled by the session
        try:
            self.send(("result", key, future.result()))
        except KilledWorker as exc:
            self.send(("lost", key, f"the Dask workers that ran it died ({exc})"))
        except CancelledError:
            self.gone("the scheduler dropped the run; the client lost its connection")
        except Exception as exc:  # the worker's own failure, reported as the run's problem
            self.send(("lost", key, f"{type(exc).__name__}: {exc}"))

    def gone(self, why: str) -> None:
        self.send(("gone", why))
        os._exit(0)  # nothing more can run: the session knows why

    def watch(self, parent: int) -> None:
        """End the relay when the scheduler connection or the session is lost."""
        while True:
            time.sleep(WATCH_INTERVAL_S)
            if os.getppid() != parent:
                os._exit(0)
            if self.client.status != "running":
                self.gone(f"the connection to the scheduler was lost (client "
                          f"{self.client.status})")


def the_project(archive: bytes) -> bytes:
    """The project's archive, as the result of a task the runs depend on."""
    return archive


def connect(address: str, project: bytes | str, timeout_s: float) -> tuple[Any, Any, int]:
    """The client, the project as the workers will get it, and the cluster's width."""
    from distributed import Client

    client = Client(address, timeout=timeout_s, set_as_default=False)  # type: ignore[no-untyped-call]
    client.wait_for_workers(1, timeout=timeout_s)
    width = sum(worker["nthreads"] for worker in client.scheduler_info()["workers"].values())
    # A task that returns the archive rather than scattered data: the scheduler holds
    # the archive in the task, so when the worker holding the result dies it is made
    # again elsewhere (scattered data would be lost with that worker).
    shipped = (project if isinstance(project, str)
               else client.submit(the_project, project, pure=False))
    return client, shipped, width


def main() -> int:
    # Dask logs to stderr; the session reads only the frames on stdout.
    logging.disable(logging.CRITICAL)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    request = read_frame(stdin)
    if request is None or request[0] != "connect":
        return 2
    _, address, project, timeout_s = request
    try:
        client, shipped, width = connect(address, project, timeout_s)
    except ImportError as exc:
        write_frame(stdout, ("refused", f"Dask distributed is not installed here ({exc}): "
                                        "pip install 'pytest-selfheal[dask]'"))
        return 1
    except (OSError, TimeoutError) as exc:
        write_frame(stdout, ("refused", f"{type(exc).__name__}: {exc}"))
        return 1
    relay = Relay(client, shipped, stdout)
    relay.send(("ready", width))
    threading.Thread(target=relay.watch, args=(os.getppid(),), daemon=True).start()
    while (message := read_frame(stdin)) is not None:
        if message[0] == "run":
            relay.submit(message[1], message[2])
        elif message[0] == "cancel":
            relay.cancel(message[1])
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
