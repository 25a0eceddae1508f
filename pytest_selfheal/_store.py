"""The SQLite store at ``.selfheal/selfheal.db``: journal, response cache, replay source.

Every exchange with a model is written here: the request's hash, the messages, the
replies, tokens, latency, cost and the run it belongs to. The same rows serve
identical requests again when ``--selfheal-cache`` is on, and let
``--selfheal-provider replay`` replay a recorded run without any network.

The store never holds the API key: the LLM client removes it from messages and
replies before they get here, and no row has a place for it. The directory gets a
``.gitignore`` of ``*`` so the store never shows up in ``git status``. The schema's
version is kept in ``PRAGMA user_version``; a database of an earlier version is
migrated when opened.

The only module that imports :mod:`sqlite3`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from pytest_selfheal._redaction import redact
from pytest_selfheal._statedir import STATE_DIR, kept_out_of_git
from pytest_selfheal.errors import StoreError

#: The store's file in the state directory.
DATABASE: Final = "selfheal.db"
#: The layout of the tables this release reads and writes, kept in ``PRAGMA user_version``.
SCHEMA_VERSION: Final = 1

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
CREATE TABLE IF NOT EXISTS individuals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    number INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    parents TEXT NOT NULL,
    operator TEXT NOT NULL,
    strategy TEXT NOT NULL,
    temperature REAL,
    description TEXT NOT NULL,
    passed INTEGER NOT NULL,
    tests_passed INTEGER NOT NULL,
    tests_total INTEGER NOT NULL,
    best_time_s REAL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS prompt_versions (
    strategy TEXT NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    created TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (strategy, version)
);
CREATE TABLE IF NOT EXISTS prompt_status (
    strategy TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (strategy, version)
);
CREATE TABLE IF NOT EXISTS prompt_scores (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    strategy TEXT NOT NULL,
    version INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    task TEXT NOT NULL,
    score REAL NOT NULL,
    won INTEGER NOT NULL,
    created TEXT NOT NULL
);
"""

#: What brings a database of version N to version N + 1. Version 0 is a new database, or
#: one written before the store had versions, whose tables are those of version 1.
_MIGRATIONS: Final = {0: _SCHEMA}


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
            kept_out_of_git(path.parent)
            # One connection shared by the client's threads, serialised by the lock.
            self._connection = sqlite3.connect(path, check_same_thread=False, timeout=10)
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from exc

    def _migrate(self) -> None:
        """Bring the database to :data:`SCHEMA_VERSION`, one step per version, each in
        one transaction; refuse one written by a newer release."""
        version = int(self._connection.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            self._connection.close()
            raise StoreError(
                f"the store {self.path} was written by a newer pytest-selfheal (schema "
                f"version {version}, this one reads {SCHEMA_VERSION}): upgrade pytest-selfheal, "
                "or move the file away to start a new store")
        for step in range(version, SCHEMA_VERSION):
            self._connection.executescript(
                f"BEGIN;\n{_MIGRATIONS[step]}\nPRAGMA user_version = {step + 1};\nCOMMIT;")

    @classmethod
    def for_project(cls, root: Path) -> Store:
        """The store of the project whose root directory is ``root``."""
        return cls(root / STATE_DIR / DATABASE)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._connection.close()

    def _execute(self, sql: str, parameters: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        # Every value written goes through here: no secret reaches the file.
        parameters = [redact(value) if isinstance(value, str) else value
                      for value in parameters]
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


    def forget_runs_started_before(self, started: str, *, dry_run: bool = False) -> list[str]:
        """Delete the runs started before ``started`` (the format of :meth:`begin_run`)
        with their exchanges and lineage; return their ids. Prompt strategies and their
        scores stay: they are what the project has learned, not a run's record."""
        ids = [str(row[0]) for row in self._execute(
            "SELECT id FROM runs WHERE started < ? ORDER BY started", (started,))]
        if not dry_run:
            for run_id in ids:
                self._execute("DELETE FROM exchanges WHERE run_id = ?", (run_id,))
                self._execute("DELETE FROM individuals WHERE run_id = ?", (run_id,))
                self._execute("DELETE FROM runs WHERE id = ?", (run_id,))
        return ids

    # -- evolution: lineage and prompt strategies ----------------------------------------

    def record_individual(self, run_id: str, task: str, row: IndividualRow) -> None:
        """Keep one individual of an evolution with its lineage and how it did."""
        self._execute(
            "INSERT INTO individuals (run_id, task, number, generation, parents, operator, "
            "strategy, temperature, description, passed, tests_passed, tests_total, "
            "best_time_s, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, task, row.number, row.generation, json.dumps(list(row.parents)),
             row.operator, row.strategy, row.temperature, row.description, int(row.passed),
             row.tests_passed, row.tests_total, row.best_time_s, row.reason))

    def individuals(self, run_id: str | None = None) -> list[IndividualRow]:
        """The individuals of a run's evolutions (of every run when ``run_id`` is
        ``None``), in the order they were recorded."""
        rows = self._execute(
            "SELECT number, generation, parents, operator, strategy, temperature, description, "
            "passed, tests_passed, tests_total, best_time_s, reason FROM individuals "
            "WHERE ? IS NULL OR run_id = ? ORDER BY id", (run_id, run_id))
        return [IndividualRow(number, generation, tuple(json.loads(parents)), operator,
                              strategy, temperature, description, bool(passed), tests_passed,
                              tests_total, best_time_s, reason)
                for (number, generation, parents, operator, strategy, temperature, description,
                     passed, tests_passed, tests_total, best_time_s, reason) in rows]

    def prompt_versions(self) -> list[PromptVersion]:
        """Every version of every prompt strategy, oldest first per strategy."""
        rows = self._execute("SELECT strategy, version, text, created, origin "
                             "FROM prompt_versions ORDER BY strategy, version")
        return [PromptVersion(*row) for row in rows]

    def add_prompt_version(self, strategy: str, text: str, created: str, origin: str) -> int:
        """Store a new version of ``strategy``'s prompt; returns its version number."""
        rows = self._execute("SELECT COALESCE(MAX(version), 0) FROM prompt_versions "
                             "WHERE strategy = ?", (strategy,))
        version = int(rows[0][0]) + 1
        self._execute("INSERT INTO prompt_versions (strategy, version, text, created, origin) "
                      "VALUES (?, ?, ?, ?, ?)", (strategy, version, text, created, origin))
        return version

    def set_prompt_status(self, strategy: str, version: int, status: str, reason: str) -> None:
        """Mark a version ``probation``, ``accepted`` or ``rejected``, and why."""
        self._execute("INSERT OR REPLACE INTO prompt_status (strategy, version, status, reason) "
                      "VALUES (?, ?, ?, ?)", (strategy, version, status, reason))

    def prompt_statuses(self) -> dict[tuple[str, int], tuple[str, str]]:
        """``(strategy, version)`` to ``(status, reason)``; a version with none is one
        that was current from the start (built-in, or stored before probation existed)."""
        rows = self._execute("SELECT strategy, version, status, reason FROM prompt_status")
        return {(str(s), int(v)): (str(status), str(reason)) for s, v, status, reason in rows}

    def add_prompt_score(self, score: PromptScore) -> None:
        """Record how a strategy's prompt did in one evolution."""
        self._execute("INSERT INTO prompt_scores (strategy, version, run_id, task, score, won, "
                      "created) VALUES (?, ?, ?, ?, ?, ?, ?)", astuple(score))

    def prompt_scores(self) -> list[tuple[str, int, int, int, float]]:
        """Per strategy and version: evolutions entered, evolutions won, mean score."""
        rows = self._execute("SELECT strategy, version, COUNT(*), SUM(won), AVG(score) "
                             "FROM prompt_scores GROUP BY strategy, version "
                             "ORDER BY strategy, version")
        return [(str(s), int(v), int(n), int(w), float(a)) for s, v, n, w, a in rows]


@dataclass(frozen=True)
class IndividualRow:
    """One individual of an evolution as the store keeps it (its lineage and result)."""

    number: int
    generation: int
    parents: tuple[int, ...]
    operator: str
    strategy: str
    temperature: float | None
    description: str
    passed: bool
    tests_passed: int
    tests_total: int
    best_time_s: float | None
    reason: str


@dataclass(frozen=True)
class PromptScore:
    """How one version of a strategy's prompt did in one evolution: the fitness of its
    best-ranked individual, and whether that one ranked first of every strategy's."""

    strategy: str
    version: int
    run_id: str
    task: str
    score: float
    won: bool
    created: str


@dataclass(frozen=True)
class PromptVersion:
    """One version of a prompt strategy's system prompt.

    :param origin: ``built-in``, or ``rewritten after <task>`` by the model.
    """

    strategy: str
    version: int
    text: str
    created: str
    origin: str


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
