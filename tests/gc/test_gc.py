"""`mlpipe gc` on a penguin root that went through what users' roots go through:
a complete run, a run killed while Pusher copied (a half copy in the serving
folder), a run killed after Trainer published (an output ML Metadata never
recorded), and a complete run with other settings. gc removes the leftovers,
and with --keep-last the files of old artifacts, never what the served model,
the baseline or the cache needs; the records stay, marked DELETED."""
from __future__ import annotations

import os
import socket

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.durations import parse_age
from pipeline.compiled import UsageError
from pipeline.lineage.graph import resolve_artifact, upstream
from pipeline.metadata import SqliteConfig
from pipeline.metadata.resolvers import latest_blessed_model
from pipeline.metadata.store import MetadataStore
from tests.e2e.helpers import mlpipe
from tests.support import store_check


def _run(root, *args, fault=None):
    env = {**os.environ, **({"MLPIPE_FAULT": fault} if fault else {})}
    return mlpipe("run", "--root", str(root), *args, env=env)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("gc") / "penguin"
    assert _run(root).returncode == 0
    assert _run(root, "--param", "train_steps=120", fault="Pusher:copied:kill").returncode == -9
    assert _run(root, "--param", "train_steps=150", fault="Trainer:record:kill").returncode == -9
    final = _run(root, "--param", "train_steps=150")
    assert final.returncode == 0, final.stdout + final.stderr
    return root


def _store(root) -> MetadataStore:
    return MetadataStore(SqliteConfig(str(root / "metadata.sqlite")))


def _listed(output: str) -> list[str]:
    return [line.removeprefix("would remove ").removeprefix("removed ").split("  (")[0]
            for line in output.splitlines() if line.startswith(("removed /", "would remove /"))]


@pytest.mark.slow
def test_gc_removes_the_leftovers_of_killed_runs_and_only_those(root):
    serving = root / "serving" / "penguin"
    half_copies = [n for n in os.listdir(serving) if n.startswith(".tmp-")]
    assert len(half_copies) == 1 and socket.gethostname() in half_copies[0]
    dry = mlpipe("gc", "--root", str(root), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    would = _listed(dry.stdout)
    assert str(serving / half_copies[0]) in would
    [unrecorded] = [p for p in would if "/Trainer/model/" in p]
    assert all(os.path.exists(p) for p in would)  # a dry run removes nothing
    done = mlpipe("gc", "--root", str(root))
    assert sorted(_listed(done.stdout)) == sorted(would)
    assert not any(os.path.exists(p) for p in would)
    assert "0 artifacts marked DELETED" in done.stdout
    assert _listed(mlpipe("gc", "--root", str(root)).stdout) == []
    assert store_check.problems(str(root / "metadata.sqlite")) == []


@pytest.mark.slow
def test_keep_last_removes_old_files_but_never_what_serving_or_the_cache_needs(root):
    mlpipe("gc", "--root", str(root))
    store = _store(root)
    served = resolve_artifact(store, "penguin", "latest-pushed")
    needed = {n.id for n in upstream(store, served).nodes.values() if n.kind == "artifact"}
    done = mlpipe("gc", "--root", str(root), "--keep-last", "1")
    assert done.returncode == 0, done.stderr
    removed = _listed(done.stdout)
    assert removed, done.stdout
    store = _store(root)
    artifacts = {a.id: a for a in store.raw.get_artifacts()}
    deleted = {i for i, a in artifacts.items() if a.state == pb.Artifact.DELETED}
    assert sorted(artifacts[i].uri for i in deleted) == sorted(removed)
    assert not deleted & needed
    assert all(os.path.exists(artifacts[i].uri) for i in needed)
    for pushed in store.raw.get_artifacts_by_type("PushedModel"):  # versions still on disk
        assert pushed.state == pb.Artifact.LIVE
    baseline = latest_blessed_model(store, "penguin")
    assert baseline is not None and os.path.exists(baseline.uri)
    again = _run(root, "--param", "train_steps=150")  # the newest run's outputs are all reused
    assert again.returncode == 0 and again.stdout.count("cached") == 8, again.stdout
    lineage = mlpipe("lineage", "artifact", str(min(deleted)), "--root", str(root), "--down")
    assert lineage.returncode == 0 and "DELETED" in lineage.stdout.upper(), lineage.stdout
    assert store_check.problems(str(root / "metadata.sqlite")) == []


@pytest.mark.parametrize("text, seconds", [("7d", 7 * 86400), ("12h", 43200), ("30m", 1800),
                                           ("90s", 90), ("2w", 14 * 86400), ("45", 45)])
def test_ages_read_with_units(text, seconds):
    assert parse_age(text) == seconds


def test_bad_retention_settings_are_refused_with_the_value(tmp_path):
    with pytest.raises(UsageError, match="'a week'"):
        parse_age("a week")
    refused = mlpipe("gc", "--root", str(tmp_path), "--keep-last", "0")
    assert refused.returncode == 2 and "--keep-last 0" in refused.stderr
