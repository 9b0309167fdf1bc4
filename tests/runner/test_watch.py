"""`mlpipe watch`: runs when a new span lands, not otherwise, and Ctrl-C between
runs stops it cleanly (exit 0, every run recorded, nothing RUNNING)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from tests.conftest import read_penguin_rows
from tests.support import penguin_spans, store_check
from tests.support.signals import default_sigint

pytestmark = pytest.mark.slow
HEADER, ROWS = read_penguin_rows()
INGEST_ONLY = textwrap.dedent('''
    from components import ExampleGen
    from pipeline.dsl import Pipeline


    def create_pipeline(root="out", data_path="data/span-{SPAN}/*.csv"):
        return Pipeline("spans", root, [ExampleGen(data_path)])
''')


def _completed_runs(store_path) -> list:
    if not store_path.exists():
        return []
    return [r for r in MetadataStore(SqliteConfig(str(store_path))).runs("spans")
            if r.status == "COMPLETE"]


def _wait_for_runs(store_path, count: int, process: subprocess.Popen) -> None:
    deadline = time.time() + 180
    while len(_completed_runs(store_path)) < count:
        assert process.poll() is None and time.time() < deadline, process.communicate()
        time.sleep(0.2)


def test_watch_runs_on_each_new_span_and_stops_cleanly_between_runs(tmp_path):
    pipeline_file = tmp_path / "ingest_pipeline.py"
    pipeline_file.write_text(INGEST_ONLY)
    data, store_path = tmp_path / "data", tmp_path / "root" / "metadata.sqlite"
    penguin_spans.write_span(data, 1, ROWS[:100])
    watch = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "watch", str(pipeline_file), "--root",
         str(tmp_path / "root"), "--data", str(data / "span-{SPAN}" / "*.csv"),
         "--interval", "0.3s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"}, preexec_fn=default_sigint)
    try:
        _wait_for_runs(store_path, 1, watch)
        time.sleep(1.5)  # several checks with nothing new: no run
        assert len(_completed_runs(store_path)) == 1
        penguin_spans.write_span(data, 2, ROWS[100:200])
        _wait_for_runs(store_path, 2, watch)
        time.sleep(0.5)
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=60)
    finally:
        if watch.poll() is None:
            watch.kill()
    assert watch.returncode == 0, out + err
    assert "watch stopped between runs (KeyboardInterrupt) after 2 run(s)" in out
    assert "Traceback" not in out + err
    runs = MetadataStore(SqliteConfig(str(store_path))).runs("spans")
    assert [r.status for r in runs] == ["COMPLETE", "COMPLETE"]
    assert "span 2:" in out and "span 1:" in out
    assert store_check.running_executions(str(store_path)) == []


def test_watch_waits_for_input_that_is_not_there_yet(tmp_path):
    pipeline_file = tmp_path / "ingest_pipeline.py"
    pipeline_file.write_text(INGEST_ONLY)
    data = tmp_path / "data"
    watch = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "watch", str(pipeline_file), "--root",
         str(tmp_path / "root"), "--data", str(data / "span-{SPAN}" / "*.csv"),
         "--interval", "0.2s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_sigint)
    time.sleep(3)
    penguin_spans.write_span(data, 1, ROWS[:100])
    _wait_for_runs(tmp_path / "root" / "metadata.sqlite", 1, watch)
    watch.send_signal(signal.SIGTERM)
    out, _ = watch.communicate(timeout=60)
    assert watch.returncode == 0
    assert "waiting for input of ExampleGen" in out and "after 1 run(s)" in out
