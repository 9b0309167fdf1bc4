"""SIGKILL at every one of the eight penguin components, then the next command.

Each run is killed (by itself, at a fault point: no timing luck) at a different
component and phase; the phases rotate so that every phase of an execution is
hit, and Pusher is killed in its rename window: its version folder is in place,
ML Metadata has only the intent. After each kill, `mlpipe runs` must show the
run ABANDONED, leave no RUNNING execution and no served version that no
PushedModel names, and the store must be consistent; the next run picks up.
"""
from __future__ import annotations

import os
import signal

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe
from tests.support import store_check

pytestmark = pytest.mark.slow

KILLS = [("ExampleGen", "executor"), ("StatisticsGen", "publish"), ("SchemaGen", "record"),
         ("ExampleValidator", "start"), ("Transform", "executor"), ("Trainer", "record"),
         ("Evaluator", "publish"), ("Pusher", "pushed")]


def _versions(serving: str) -> list[str]:
    return sorted(n for n in os.listdir(serving) if n.isdigit()) if os.path.isdir(serving) else []


def _recorded_versions(store: MetadataStore) -> list[str]:
    return sorted(str(r.properties["pushed_version"]) for r in store.runs("penguin")
                  if "pushed_version" in r.properties)


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """Runs penguin once per kill, then once more to completion; yields what each step saw."""
    root = tmp_path_factory.mktemp("kills")
    run_args = ("run", "--root", str(root / "r"), "--serving-dir", str(root / "s"))
    steps = []
    for component, phase in KILLS:
        env = {**os.environ, "MLPIPE_FAULT": f"{component}:{phase}:kill"}
        killed_run = mlpipe(*run_args, env=env)
        served_after_kill = _versions(str(root / "s" / "penguin"))
        listed = mlpipe("runs", "--root", str(root / "r"))
        steps.append((component, phase, killed_run, served_after_kill, listed))
    final = mlpipe(*run_args)
    yield root, steps, final


def test_each_kill_really_killed_the_run_where_it_was_meant_to(killed):
    _, steps, _ = killed
    for component, phase, run, _, _ in steps:
        assert run.returncode == -signal.SIGKILL, (component, run.stdout + run.stderr)
        assert f"{component}" in run.stdout.strip().splitlines()[-1], (component, run.stdout)


def test_the_next_command_marks_each_killed_run_abandoned(killed):
    root, steps, final = killed
    for component, phase, _, _, listed in steps:
        assert listed.returncode == 0, listed.stderr
        assert "was abandoned" in listed.stdout, (component, listed.stdout)
    store = MetadataStore(SqliteConfig(str(root / "r" / "metadata.sqlite")))
    statuses = [r.status for r in reversed(store.runs("penguin"))]
    assert statuses == ["ABANDONED"] * len(KILLS) + ["COMPLETE"], statuses
    assert store_check.running_executions(str(root / "r" / "metadata.sqlite")) == []


def test_a_push_killed_before_its_record_is_rolled_back_not_served(killed):
    root, steps, _ = killed
    [(_, _, _, served_after_kill, listed)] = [s for s in steps if s[0] == "Pusher"]
    assert len(served_after_kill) == 1  # the rename happened: the folder was in place
    assert f"removed {root / 's' / 'penguin' / served_after_kill[0]}" in listed.stdout
    store = MetadataStore(SqliteConfig(str(root / "r" / "metadata.sqlite")))
    [pusher] = [e for r in store.runs("penguin") if r.status == "ABANDONED"
                for e in store.executions(r.run_id) if e.component_id == "Pusher"]
    assert pusher.state == "CANCELED"
    assert pusher.properties["external_rolled_back"] == (
        f'["{root / "s" / "penguin" / served_after_kill[0]}"]')


def test_after_all_kills_the_store_is_consistent_and_serves_only_recorded_versions(killed):
    root, _, final = killed
    assert final.returncode == 0, final.stdout + final.stderr
    assert store_check.problems(str(root / "r" / "metadata.sqlite")) == []
    store = MetadataStore(SqliteConfig(str(root / "r" / "metadata.sqlite")))
    served = _versions(str(root / "s" / "penguin"))
    assert served == _recorded_versions(store) and len(served) == 1
    assert not os.listdir(root / "r" / ".staging")
