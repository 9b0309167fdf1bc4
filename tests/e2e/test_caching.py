"""Caching on the real penguin pipeline: which executions ran and which were
cached, read from ML Metadata, for each kind of change."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from pipeline.examples.penguin.pipeline import MODEL_FILE, create_pipeline
from pipeline.metadata.store import MetadataStore
from pipeline.runner.local import LocalRunner
from tests.conftest import PENGUIN_CSV, read_penguin_rows, write_csv

pytestmark = pytest.mark.slow
ALL = ["ExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator", "Transform", "Trainer",
       "Evaluator", "Pusher"]

# Runs the CLI in a fresh process and reports whether heavy libraries were imported.
CACHED_RUN = """
import sys, time
started = time.perf_counter()
from pipeline.cli import main
code = main(["run", "--root", sys.argv[1]])
heavy = [m for m in ("tensorflow", "tensorflow_data_validation", "tensorflow_transform",
                     "tensorflow_model_analysis", "apache_beam") if m in sys.modules]
print("HEAVY", heavy, "SECONDS", round(time.perf_counter() - started, 2))
sys.exit(code)
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    assert LocalRunner().run(create_pipeline(root=str(root))).ok
    return str(root)


def _by_state(root: str, run_id: str | None = None) -> dict[str, str]:
    store = MetadataStore(create_pipeline(root=root).metadata)
    run_id = run_id or store.runs("penguin")[0].run_id
    return {e.component_id: e.state for e in store.executions(run_id)}


def _versions(root: str) -> list[str]:
    return sorted(n for n in os.listdir(os.path.join(root, "serving", "penguin")) if n.isdigit())


def test_unchanged_rerun_is_all_cached_pushes_nothing_and_imports_no_tensorflow(root):
    before = _versions(root)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-c", CACHED_RUN, root], capture_output=True,
                               text=True, timeout=300)
    elapsed = time.perf_counter() - started
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "HEAVY []" in completed.stdout
    assert "nothing new pushed" in completed.stdout
    assert _by_state(root) == {c: "CACHED" for c in ALL}
    assert _versions(root) == before
    print(f"fully cached run: {elapsed:.2f} s whole process")  # a figure, not a gate


def test_byte_identical_data_under_another_name_is_a_cache_hit(root, tmp_path):
    copy = tmp_path / "elsewhere" / "renamed_penguins.csv"
    copy.parent.mkdir()
    shutil.copyfile(PENGUIN_CSV, copy)
    result = LocalRunner().run(create_pipeline(root=root, data_path=str(copy)))
    assert result.ok
    assert _by_state(root, result.run_id) == {c: "CACHED" for c in ALL}


def test_changed_trainer_code_reruns_only_trainer_evaluator_and_pusher(root, tmp_path):
    model_file = tmp_path / "model.py"
    model_file.write_text(open(MODEL_FILE).read() + "\n# a change to the trainer code\n")
    result = LocalRunner().run(create_pipeline(root=root, trainer_module_file=str(model_file)))
    assert result.ok, result.message
    states = _by_state(root, result.run_id)
    assert {c for c, s in states.items() if s == "COMPLETE"} == {"Trainer", "Evaluator", "Pusher"}
    assert {c for c, s in states.items() if s == "CACHED"} == set(ALL) - {"Trainer", "Evaluator", "Pusher"}


def test_one_changed_data_row_reruns_everything(root, tmp_path):
    header, rows = read_penguin_rows()
    rows = [list(r) for r in rows]
    rows[10][header.index("body_mass_g")] = str(int(rows[10][header.index("body_mass_g")]) + 25)
    data = write_csv(tmp_path / "penguins.csv", header, rows)
    result = LocalRunner().run(create_pipeline(root=root, data_path=data))
    assert result.ok, result.message
    assert _by_state(root, result.run_id) == {c: "COMPLETE" for c in ALL}
