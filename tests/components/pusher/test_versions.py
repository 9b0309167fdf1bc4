"""Versions in a shared serving folder: four processes pushing in the same second each
get their own version, nothing half-copied is left behind, and a version is never
handed out twice."""
from __future__ import annotations

import multiprocessing
import os

from components.pusher import executor, versions
from tests.conftest import context

PUSHERS = 4


def _push_at_the_same_time(source: str, model_dir: str, tmp_path, barrier, results) -> None:
    versions.time.time = lambda: 1_795_640_532.0  # every push in this second (a forked child)
    barrier.wait()
    results.put(executor.push(source, model_dir, context(tmp_path))[0])


def test_concurrent_pushes_in_one_second_get_distinct_versions(tmp_path):
    source = tmp_path / "model"
    (source / "variables").mkdir(parents=True)
    (source / "saved_model.pb").write_bytes(b"\x08\x01")
    model_dir = str(tmp_path / "serving" / "penguin")
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(PUSHERS), context.Queue()
    processes = [context.Process(target=_push_at_the_same_time,
                                 args=(str(source), model_dir, tmp_path, barrier, results))
                 for _ in range(PUSHERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    pushed = sorted(results.get(timeout=5) for _ in range(PUSHERS))
    assert pushed == list(range(1_795_640_532, 1_795_640_532 + PUSHERS))
    names = sorted(os.listdir(model_dir))
    assert [n for n in names if n.isdigit()] == [str(v) for v in pushed]
    assert [n for n in names if not n.isdigit()] == [f".version-{v}" for v in pushed]  # no .tmp-*
    for version in pushed:
        assert os.path.isfile(os.path.join(model_dir, str(version), "saved_model.pb"))


def test_a_stale_reservation_is_skipped_not_reused(tmp_path, monkeypatch):
    model_dir = tmp_path / "penguin"
    model_dir.mkdir()
    (model_dir / "1795640532").mkdir()
    (model_dir / ".version-1795640533").write_text("other-host 77\n")  # a crashed push's
    monkeypatch.setattr(versions.time, "time", lambda: 1_795_640_500.0)
    assert versions.reserve(str(model_dir)) == 1_795_640_534


def test_a_version_whose_folder_was_removed_is_not_handed_out_again(tmp_path, monkeypatch):
    monkeypatch.setattr(versions.time, "time", lambda: 1_795_640_532.0)
    model_dir = tmp_path / "penguin"
    first = versions.reserve(str(model_dir))
    (model_dir / str(first)).mkdir()
    (model_dir / str(first)).rmdir()  # a push rolled back within the same second
    assert versions.reserve(str(model_dir)) == first + 1
