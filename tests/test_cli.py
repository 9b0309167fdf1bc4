"""The mlpipe command line: loading pipelines, listing runs, clear errors."""
from __future__ import annotations

import os

from tests.e2e.helpers import mlpipe


def test_runs_on_a_fresh_root_says_so_without_creating_a_store(tmp_path):
    completed = mlpipe("runs", "--root", str(tmp_path / "fresh"))
    assert completed.returncode == 0
    assert "no runs of 'penguin'" in completed.stdout
    assert not os.path.exists(tmp_path / "fresh")


def test_missing_pipeline_file_is_a_clear_error(tmp_path):
    completed = mlpipe("run", str(tmp_path / "nope.py"))
    assert completed.returncode == 2
    assert "nope.py: no such pipeline file" in completed.stderr


def test_pipeline_file_without_create_pipeline(tmp_path):
    path = tmp_path / "empty_pipeline.py"
    path.write_text("x = 1\n")
    completed = mlpipe("run", str(path))
    assert completed.returncode == 2
    assert "defines no create_pipeline() function" in completed.stderr


def test_option_the_pipeline_does_not_take_is_refused(tmp_path):
    path = tmp_path / "fixed_pipeline.py"
    path.write_text("def create_pipeline(root=None):\n    raise AssertionError('not reached')\n")
    completed = mlpipe("run", str(path), "--data", "x.csv")
    assert completed.returncode == 2
    assert "create_pipeline() takes no data_path argument; it takes: root" in completed.stderr


def test_python_dash_m_pipeline_is_mlpipe():
    completed = mlpipe("--help")
    assert completed.returncode == 0 and "run" in completed.stdout and "runs" in completed.stdout


def test_span_for_a_pipeline_without_spans_is_refused(tmp_path):
    path = tmp_path / "fixed_pipeline.py"
    path.write_text("def create_pipeline(root=None):\n    raise AssertionError('not reached')\n")
    completed = mlpipe("run", str(path), "--span", "3")
    assert completed.returncode == 2
    assert "create_pipeline() takes no span argument; it takes: root" in completed.stderr


def test_a_data_pattern_that_matches_nothing_fails_at_example_gen_and_pushes_nothing(tmp_path):
    pattern = str(tmp_path / "data" / "span-{SPAN}" / "*.csv")
    completed = mlpipe("run", "--root", str(tmp_path / "root"), "--data", pattern)
    assert completed.returncode == 1
    assert f"ExampleGen failed: no input matches '{pattern}'" in completed.stdout
    assert "nothing pushed: ExampleGen failed" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
