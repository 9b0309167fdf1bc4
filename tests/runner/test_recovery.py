"""Rolling back a push whose execution did not complete: the version folder goes,
the execution records it; a folder that cannot be removed is reported, not
crashed on, and retried by the next command."""
from __future__ import annotations

import json

from pipeline.metadata import SqliteConfig
from pipeline.metadata.intents import ROLLED_BACK, record_intent
from pipeline.metadata.store import MetadataStore
from pipeline.runner.recovery import roll_back
from tests.support import disk


def _failed_push(tmp_path, destination) -> tuple[MetadataStore, int]:
    store = MetadataStore(SqliteConfig(str(tmp_path / "metadata.sqlite")))
    run = store.start_run("pipe", "run-1", {})
    execution_id = store.start_execution(run, "Pusher", "Pusher", {}, {})
    record_intent(store, execution_id, str(destination))
    store.fail_execution(execution_id, "killed", {})
    return store, execution_id


def test_an_unconfirmed_version_folder_is_removed_and_recorded(tmp_path):
    version = tmp_path / "serving" / "m" / "17"
    version.mkdir(parents=True)
    store, execution_id = _failed_push(tmp_path, version)
    [note] = roll_back(store, pipeline_name="pipe")
    assert note.startswith(f"removed {version}: Pusher (execution #{execution_id}")
    assert not version.exists() and not list(version.parent.iterdir())
    [execution] = store.executions("run-1")
    assert json.loads(execution.properties[ROLLED_BACK]) == [str(version)]
    assert roll_back(store, pipeline_name="pipe") == []  # done once


def test_a_folder_that_cannot_be_removed_is_reported_and_retried(tmp_path):
    with disk.tmpfs(tmp_path / "ro", size="1m") as mount:
        version = mount / "m" / "17"
        version.mkdir(parents=True)
        store, _ = _failed_push(tmp_path, version)
        disk.remount_read_only(mount)
        [note] = roll_back(store, pipeline_name="pipe")
        assert note.startswith("could not remove") and "Read-only file system" in note
        assert version.exists()
        [execution] = store.executions("run-1")
        assert ROLLED_BACK not in execution.properties  # the next command tries again
