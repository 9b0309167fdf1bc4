"""Content-addressed caching in the local runner, with the small components of
test_local: what is reused, what reruns, and what ML Metadata says about it."""
from __future__ import annotations

import os
import shutil

from pipeline.dsl import Pipeline
from pipeline.metadata.store import MetadataStore
from pipeline.runner.local import LocalRunner
from tests.runner.test_local import Copier, Writer


def _pipeline(tmp_path, writer_cache: bool = True, **behaviour) -> Pipeline:
    writer = Writer(**behaviour)
    writer.enable_cache = writer_cache
    return Pipeline("toy", str(tmp_path / "root"), [writer, Copier(writer.outputs.schema)])


def _states(pipeline, result) -> list[str]:
    return [e.state for e in MetadataStore(pipeline.metadata).executions(result.run_id)]


def test_unchanged_rerun_reuses_every_output_and_records_cached_executions(tmp_path):
    first = LocalRunner().run(_pipeline(tmp_path))
    pipeline = _pipeline(tmp_path)
    second = LocalRunner().run(pipeline)
    assert [c.status for c in second.components] == ["cached", "cached"]
    assert _states(pipeline, second) == ["CACHED", "CACHED"]
    assert second.output("Copier", "graph").id == first.output("Copier", "graph").id
    store = MetadataStore(pipeline.metadata)
    copier = store.executions(second.run_id)[1]
    outputs = [e for e in store.events([copier.id]) if e.type == e.OUTPUT]
    assert [e.artifact_id for e in outputs] == [first.output("Copier", "graph").id]


def test_changed_parameter_reruns_the_component_and_everything_downstream(tmp_path):
    LocalRunner().run(_pipeline(tmp_path, text="one"))
    pipeline = _pipeline(tmp_path, text="two")
    result = LocalRunner().run(pipeline)
    assert [c.status for c in result.components] == ["ran", "ran"]


def test_no_cache_run_executes_everything(tmp_path):
    LocalRunner().run(_pipeline(tmp_path))
    result = LocalRunner().run(_pipeline(tmp_path), use_cache=False)
    assert [c.status for c in result.components] == ["ran", "ran"]


def test_per_component_switch_reruns_that_component_only(tmp_path):
    LocalRunner().run(_pipeline(tmp_path))
    result = LocalRunner().run(_pipeline(tmp_path, writer_cache=False))
    # The writer reruns; its output has the same content fingerprint, so the copier is reused.
    assert [c.status for c in result.components] == ["ran", "cached"]


def test_missing_outputs_are_not_reused(tmp_path):
    first = LocalRunner().run(_pipeline(tmp_path))
    shutil.rmtree(first.output("Copier", "graph").uri)
    result = LocalRunner().run(_pipeline(tmp_path))
    assert [c.status for c in result.components] == ["cached", "ran"]
    assert os.path.isfile(os.path.join(result.output("Copier", "graph").uri, "copy.txt"))


def test_failed_executions_are_never_reused(tmp_path):
    LocalRunner().run(_pipeline(tmp_path, fail=True))
    result = LocalRunner().run(_pipeline(tmp_path, fail=True))
    assert [c.status for c in result.components] == ["failed", "not run"]


def test_a_cached_execution_that_stopped_the_pipeline_stops_it_again(tmp_path):
    first = LocalRunner().run(_pipeline(tmp_path, halt=True))
    pipeline = _pipeline(tmp_path, halt=True)
    second = LocalRunner().run(pipeline)
    assert first.status == second.status == "STOPPED"
    assert "asked to halt" in second.message
    assert [c.status for c in second.components] == ["cached", "not run"]
    assert _states(pipeline, second) == ["CACHED"]
