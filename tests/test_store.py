"""The store's schema is versioned: databases of earlier releases open, newer ones are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pytest_selfheal._store import SCHEMA_VERSION, Store
from pytest_selfheal.errors import StoreError

#: The tables as the releases before schema versions wrote them (user_version 0).
UNVERSIONED_SCHEMA = """
CREATE TABLE runs (id TEXT PRIMARY KEY, started TEXT NOT NULL, provider TEXT NOT NULL,
                   model TEXT NOT NULL);
CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL, request_hash TEXT NOT NULL, model TEXT NOT NULL,
    messages TEXT NOT NULL, params TEXT NOT NULL, replies TEXT NOT NULL,
    finish_reasons TEXT NOT NULL, prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL, latency_s REAL NOT NULL, cost REAL NOT NULL,
    origin TEXT NOT NULL, error TEXT NOT NULL);
CREATE TABLE individuals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, task TEXT NOT NULL,
    number INTEGER NOT NULL, generation INTEGER NOT NULL, parents TEXT NOT NULL,
    operator TEXT NOT NULL, strategy TEXT NOT NULL, temperature REAL,
    description TEXT NOT NULL, passed INTEGER NOT NULL, tests_passed INTEGER NOT NULL,
    tests_total INTEGER NOT NULL, best_time_s REAL, reason TEXT NOT NULL);
CREATE TABLE prompt_versions (strategy TEXT NOT NULL, version INTEGER NOT NULL,
    text TEXT NOT NULL, created TEXT NOT NULL, origin TEXT NOT NULL,
    PRIMARY KEY (strategy, version));
CREATE TABLE prompt_scores (id INTEGER PRIMARY KEY AUTOINCREMENT, strategy TEXT NOT NULL,
    version INTEGER NOT NULL, run_id TEXT NOT NULL, task TEXT NOT NULL, score REAL NOT NULL,
    won INTEGER NOT NULL, created TEXT NOT NULL);
INSERT INTO runs VALUES ('20250101-120000', '2025-01-01T12:00:00', 'openai', 'gpt-4o-mini');
INSERT INTO exchanges (run_id, seq, request_hash, model, messages, params, replies,
    finish_reasons, prompt_tokens, completion_tokens, latency_s, cost, origin, error)
    VALUES ('20250101-120000', 1, 'abc', 'gpt-4o-mini',
            '[{"role": "user", "content": "fix it"}]', '{}', '["def f(): return 1"]',
            '["stop"]', 10, 5, 0.5, 0.0001, 'endpoint', '');
"""


def database(path: Path, script: str, version: int) -> Path:
    connection = sqlite3.connect(path)
    with connection:
        connection.executescript(script)
        connection.execute(f"PRAGMA user_version = {version}")
    connection.close()
    return path


def user_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])
    finally:
        connection.close()


def test_a_database_of_the_release_before_versions_opens_with_its_runs(tmp_path: Path):
    path = database(tmp_path / "selfheal.db", UNVERSIONED_SCHEMA, 0)

    store = Store(path)
    try:
        (run,) = store.runs()
        assert (run.id, run.exchanges) == ("20250101-120000", 1)
        (exchange,) = store.exchanges("20250101-120000")
        assert exchange.replies == ("def f(): return 1",)
        assert store.latest_recorded_run() == "20250101-120000"
    finally:
        store.close()
    assert user_version(path) == SCHEMA_VERSION


def test_a_new_database_gets_the_current_version(tmp_path: Path):
    Store(tmp_path / ".selfheal" / "selfheal.db").close()

    assert user_version(tmp_path / ".selfheal" / "selfheal.db") == SCHEMA_VERSION
    assert (tmp_path / ".selfheal" / ".gitignore").read_text().endswith("*\n")


def test_a_database_of_a_newer_release_is_refused_untouched(tmp_path: Path):
    path = database(tmp_path / "selfheal.db", "CREATE TABLE future (x);", SCHEMA_VERSION + 1)
    before = path.read_bytes()

    with pytest.raises(StoreError, match=rf"newer pytest-selfheal \(schema version "
                                         rf"{SCHEMA_VERSION + 1}, this one reads "
                                         rf"{SCHEMA_VERSION}\)"):
        Store(path)
    assert path.read_bytes() == before
