"""The SQLite store at ``.selfheal/selfheal.db``: journal, response cache, replay source.

Every exchange with a model is written here: the request's hash, the messages, the
replies, tokens, latency, cost and the run it belongs to. The same rows serve
identical requests again when ``--selfheal-cache`` is on, and let
``--selfheal-provider replay`` replay a recorded run without any network.

The store never holds the API key: the LLM client removes it from messages and
replies before they get here, and no row has a place for it. The directory gets a
``.gitignore`` of ``*`` so the store never shows up in ``git status``.

The only module that imports :mod:`sqlite3`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from pytest_selfheal.errors import StoreError

#: The store's directory under the project root, and its file.
STATE_DIRECTORY: Final = ".selfheal"
DATABASE: Final = "selfheal.db"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    request_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    messages TEXT NOT NULL,
    params TEXT NOT NULL,
    replies TEXT NOT NULL,
    finish_reasons TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    latency_s REAL NOT NULL,
    cost REAL NOT NULL,
    origin TEXT NOT NULL,
    error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS exchanges_by_hash ON exchanges(request_hash);
CREATE INDEX IF NOT EXISTS exchanges_by_run ON exchanges(run_id, seq);
"""


@dataclass(frozen=True)
class Exchange:
    """One request to a model and what came back.

    :param request_hash: identifies the question (model, messages, ``n``,
        temperature), the key of the cache and of replay.
    :param replies: the text of each choice; empty when the request failed.
    :param origin: ``endpoint`` (a real call), ``cache`` (served from this store).
    :param error: why the request failed, ``""`` when it did not.
    :param seq: position in its run, set by :meth:`Store.record`.
    """

    run_id: str
    request_hash: str
    model: str
    messages: tuple[Mapping[str, str], ...]
    params: Mapping[str, Any]
    replies: tuple[str, ...]
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    cost: float
    origin: str = "endpoint"
    error: str = ""
    finish_reasons: tuple[str, ...] = ()
    seq: int = field(default=0, compare=False)

    @property
    def succeeded(self) -> bool:
        """Whether the request got replies (and so may be served again)."""
        return not self.error and bool(self.replies)


@dataclass(frozen=True)
class RunRecord:
    """A recorded run: when, with which provider and model, how many exchanges."""

    id: str
    started: str
    provider: str
    model: str
    exchanges: int


class Store:
    """The SQLite store of one project; safe to use from several threads.

    :param path: the database file; its directory is created with a ``.gitignore``.
    :raises StoreError: when the directory or database cannot be created or opened.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seq: dict[str, int] = {}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            ignore = path.parent / ".gitignore"
            if not ignore.exists():
                # Keeps everything in the state directory out of git status and commits.
                ignore.write_text("*\n", encoding="utf-8")
            # One connection shared by the client's threads, serialised by the lock.
            self._connection = sqlite3.connect(path, check_same_thread=False, timeout=10)
            with self._connection:
                self._connection.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from exc

    @classmethod
    def for_project(cls, root: Path) -> Store:
        """The store of the project whose root directory is ``root``."""
        return cls(root / STATE_DIRECTORY / DATABASE)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._connection.close()

    def _execute(self, sql: str, parameters: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock, self._connection:
                return self._connection.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"the store {self.path} failed: {exc}") from exc

    def begin_run(self, run_id: str, started: str, provider: str, model: str) -> None:
        """Record the start of a run; exchanges are recorded under its ``run_id``."""
        self._execute("INSERT OR IGNORE INTO runs (id, started, provider, model) "
                      "VALUES (?, ?, ?, ?)", (run_id, started, provider, model))

    def record(self, exchange: Exchange) -> Exchange:
        """Append ``exchange`` to its run; returns it with its position ``seq``.

        A ``seq`` already set (by the client, in the order replies came in) is kept.
        """
        with self._lock:
            seq = exchange.seq or self._seq.get(exchange.run_id, 0) + 1
            self._seq[exchange.run_id] = max(seq, self._seq.get(exchange.run_id, 0))
        self._execute(
            "INSERT INTO exchanges (run_id, seq, request_hash, model, messages, params, "
            "replies, finish_reasons, prompt_tokens, completion_tokens, latency_s, cost, "
            "origin, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (exchange.run_id, seq, exchange.request_hash, exchange.model,
             json.dumps([dict(m) for m in exchange.messages]),
             json.dumps(dict(exchange.params), sort_keys=True),
             json.dumps(list(exchange.replies)), json.dumps(list(exchange.finish_reasons)),
             exchange.prompt_tokens, exchange.completion_tokens, exchange.latency_s,
             exchange.cost, exchange.origin, exchange.error),
        )
        return replace(exchange, seq=seq)

    def cached(self, request_hash: str) -> Exchange | None:
        """The latest successful answer from an endpoint to this request, if any."""
        rows = self._execute(
            f"SELECT {_COLUMNS} FROM exchanges WHERE request_hash = ? AND error = '' "
            "AND origin = 'endpoint' AND replies != '[]' ORDER BY id DESC LIMIT 1",
            (request_hash,),
        )
        return _exchange(rows[0]) if rows else None

    def exchanges(self, run_id: str) -> list[Exchange]:
        """Every exchange of a run, in the order they happened."""
        rows = self._execute(f"SELECT {_COLUMNS} FROM exchanges WHERE run_id = ? ORDER BY seq",
                             (run_id,))
        return [_exchange(row) for row in rows]

    def runs(self) -> list[RunRecord]:
        """Every recorded run, oldest first."""
        rows = self._execute(
            "SELECT runs.id, runs.started, runs.provider, runs.model, COUNT(exchanges.id) "
            "FROM runs LEFT JOIN exchanges ON exchanges.run_id = runs.id "
            "GROUP BY runs.id ORDER BY runs.started, runs.rowid")
        return [RunRecord(*row) for row in rows]

    def latest_recorded_run(self) -> str | None:
        """The most recent run that called an endpoint, the default one to replay."""
        rows = self._execute(
            "SELECT run_id FROM exchanges WHERE origin = 'endpoint' ORDER BY id DESC LIMIT 1")
        return str(rows[0][0]) if rows else None


_COLUMNS: Final = ("run_id, request_hash, model, messages, params, replies, prompt_tokens, "
                   "completion_tokens, latency_s, cost, origin, error, finish_reasons, seq")


def _exchange(row: tuple[Any, ...]) -> Exchange:
    (run_id, request_hash, model, messages, params, replies, prompt_tokens, completion_tokens,
     latency_s, cost, origin, error, finish_reasons, seq) = row
    return Exchange(
        run_id=run_id, request_hash=request_hash, model=model,
        messages=tuple(json.loads(messages)), params=json.loads(params),
        replies=tuple(json.loads(replies)), prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens, latency_s=latency_s, cost=cost, origin=origin,
        error=error, finish_reasons=tuple(json.loads(finish_reasons)), seq=seq,
    )
