"""Repairs what a failed SQLite write can leave in an ML Metadata file.

When SQLite runs out of disk in the middle of ML Metadata's transaction, it
rolls the transaction back on its own; ML Metadata carries on, and the rest
of its statements run outside any transaction and are kept (measured with
ml-metadata 1.16: events, attributions and associations of an execution and
artifacts that no longer exist). Those rows make later reads fail with
"Results missing for ids". They point at nothing, so removing them loses
nothing. MySQL rolls back whole transactions and needs none of this.
"""
from __future__ import annotations

import sqlite3

# Rows of each table that must point at existing rows: {table: [(column, table)]}.
_POINTERS: dict[str, list[tuple[str, str]]] = {
    "Event": [("artifact_id", "Artifact"), ("execution_id", "Execution")],
    "EventPath": [("event_id", "Event")],
    "Attribution": [("artifact_id", "Artifact"), ("context_id", "Context")],
    "Association": [("execution_id", "Execution"), ("context_id", "Context")],
    "ParentContext": [("context_id", "Context"), ("parent_context_id", "Context")],
    "ArtifactProperty": [("artifact_id", "Artifact")],
    "ExecutionProperty": [("execution_id", "Execution")],
    "ContextProperty": [("context_id", "Context")],
}


def _condition(pointers: list[tuple[str, str]]) -> str:
    return " OR ".join(f"{column} NOT IN (SELECT id FROM {target})" for column, target in pointers)


def has_dangling_rows(path: str) -> bool:
    """Whether any row points at a missing row (read only; False if there is no file)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
            return any(db.execute(f"SELECT 1 FROM {table} WHERE {_condition(pointers)} LIMIT 1")
                       .fetchone() for table, pointers in _POINTERS.items() if table in tables)
    except sqlite3.Error:
        return False


def remove_dangling_rows(path: str) -> dict[str, int]:
    """Deletes, in one transaction, rows that point at missing rows; returns how
    many per table (empty if the store was consistent)."""
    removed: dict[str, int] = {}
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        for table, pointers in _POINTERS.items():  # events before their paths
            count = db.execute(f"DELETE FROM {table} WHERE {_condition(pointers)}").rowcount
            if count:
                removed[table] = count
        db.execute("COMMIT")
    except sqlite3.Error:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    return removed
