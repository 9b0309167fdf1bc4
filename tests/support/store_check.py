"""Independent checks of an ML Metadata SQLite file, straight from its tables:
what a crash or a full disk may leave behind in the store."""
from __future__ import annotations

import sqlite3

# Each row kind and the rows it must point at: (table, column, referenced table).
_REFERENCES = [
    ("Attribution", "artifact_id", "Artifact"), ("Attribution", "context_id", "Context"),
    ("Association", "execution_id", "Execution"), ("Association", "context_id", "Context"),
    ("Event", "artifact_id", "Artifact"), ("Event", "execution_id", "Execution"),
    ("EventPath", "event_id", "Event"), ("ParentContext", "context_id", "Context"),
    ("ParentContext", "parent_context_id", "Context"),
    ("ArtifactProperty", "artifact_id", "Artifact"),
    ("ExecutionProperty", "execution_id", "Execution"),
    ("ContextProperty", "context_id", "Context"),
]
# ML Metadata's state enums, as stored.
_RUNNING_EXECUTION = (1, 2)  # NEW, RUNNING
_COMPLETE = 3


def _rows(db: sqlite3.Connection, sql: str) -> list[tuple]:
    return db.execute(sql).fetchall()


def dangling(path: str) -> dict[str, int]:
    """`{"Event.artifact_id": 3, ...}`: rows pointing at rows that do not exist."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        found = {}
        for table, column, target in _REFERENCES:
            [(count,)] = _rows(db, f"SELECT COUNT(*) FROM {table} WHERE {column} "
                                   f"NOT IN (SELECT id FROM {target})")
            if count:
                found[f"{table}.{column}"] = count
        return found


def running_executions(path: str) -> list[int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [i for (i,) in _rows(db, "SELECT id FROM Execution WHERE last_known_state IN "
                                        f"{_RUNNING_EXECUTION}")]


def complete_without_outputs(path: str) -> list[int]:
    """COMPLETE executions with no OUTPUT event (every component has an output)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [i for (i,) in _rows(db, f"SELECT id FROM Execution WHERE last_known_state = "
                                        f"{_COMPLETE} AND id NOT IN (SELECT execution_id FROM "
                                        f"Event WHERE type = 4)")]


def problems(path: str) -> list[str]:
    """Everything wrong with the store; [] for a consistent one."""
    found = [f"{name}: {count} dangling" for name, count in dangling(path).items()]
    found += [f"execution #{i} COMPLETE without outputs" for i in complete_without_outputs(path)]
    return found
