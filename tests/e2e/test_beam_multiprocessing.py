"""Beam options pass through: the penguin pipeline on the multi-process DirectRunner,
whose workers are separate processes that must import the user's module file."""
from __future__ import annotations

import os

import pytest

from pipeline.examples.penguin.pipeline import create_pipeline
from pipeline.runner.local import LocalRunner

pytestmark = pytest.mark.slow
MULTI_PROCESS = ("--direct_running_mode=multi_processing", "--direct_num_workers=2")


def test_penguin_pipeline_on_the_multi_process_direct_runner(tmp_path):
    result = LocalRunner().run(create_pipeline(root=str(tmp_path), beam_args=MULTI_PROCESS))
    assert result.ok, result.message
    assert result.find_output("PushedModel").get("pushed") == 1
    graph = result.output("Transform", "transform_graph")
    assert os.path.isfile(os.path.join(graph.uri, "transform_fn", "saved_model.pb"))
