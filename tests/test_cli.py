"""The mlpipe command line: loading pipelines, listing runs, clear errors."""
from __future__ import annotations

import os

import pytest

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


def _run_fixed_pipeline(tmp_path, *options: str):
    """`mlpipe run` of a pipeline whose create_pipeline() takes only `root`."""
    path = tmp_path / "fixed_pipeline.py"
    path.write_text("def create_pipeline(root=None):\n    raise AssertionError('not reached')\n")
    return mlpipe("run", str(path), *options)


@pytest.mark.parametrize("options, argument", [(("--data", "x.csv"), "data_path"),
                                               (("--span", "3"), "span")])
def test_option_the_pipeline_does_not_take_is_refused(tmp_path, options, argument):
    completed = _run_fixed_pipeline(tmp_path, *options)
    assert completed.returncode == 2
    assert f"create_pipeline() takes no {argument} argument; it takes: root" in completed.stderr


def test_python_dash_m_pipeline_is_mlpipe():
    completed = mlpipe("--help")
    assert completed.returncode == 0 and "run" in completed.stdout and "runs" in completed.stdout


def test_a_data_pattern_that_matches_nothing_fails_at_example_gen_and_pushes_nothing(tmp_path):
    pattern = str(tmp_path / "data" / "span-{SPAN}" / "*.csv")
    completed = mlpipe("run", "--root", str(tmp_path / "root"), "--data", pattern)
    assert completed.returncode == 1
    assert f"ExampleGen failed: no input matches '{pattern}'" in completed.stdout
    assert "nothing pushed: ExampleGen failed" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
