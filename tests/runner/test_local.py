"""The local runner with two small components defined here, without TensorFlow:
staging and publishing, failure records, halting, and MLMD bookkeeping."""
from __future__ import annotations

import dataclasses
import gc
import os

from pipeline.dsl import Component, ComponentError, ComponentSpec, ExecutorOutcome, Pipeline
from pipeline.metadata.store import MetadataStore
from pipeline.runner.local import LocalRunner
from tests.support.toy_ports import GraphPort, Nothing, SchemaPort


FROZEN_WHILE_WRITING: list[int] = []  # what the collector skipped while write_text ran


@dataclasses.dataclass(frozen=True)
class Behaviour:
    text: str = "hello"
    fail: bool = False
    halt: bool = False


def write_text(inputs: Nothing, outputs: SchemaPort, params: Behaviour, context) -> ExecutorOutcome:
    with open(os.path.join(outputs.schema.uri, "file.txt"), "w") as handle:
        handle.write(params.text)
    outputs.schema.set("length", len(params.text))
    FROZEN_WHILE_WRITING.append(gc.get_freeze_count())
    if params.fail:
        raise ComponentError("asked to fail: half-written output must not be published")
    return ExecutorOutcome(summary="wrote", halt_reason="asked to halt" if params.halt else None)


def copy_text(inputs: SchemaPort, outputs: GraphPort, params: Behaviour, context) -> None:
    with open(os.path.join(inputs.schema.uri, "file.txt")) as source, \
            open(os.path.join(outputs.graph.uri, "copy.txt"), "w") as target:
        target.write(source.read().upper())


class Writer(Component):
    SPEC = ComponentSpec("Writer", Nothing, SchemaPort, Behaviour,
                         executor="tests.runner.test_local:write_text")

    def __init__(self, **behaviour):
        super().__init__(id=None, inputs={}, params=Behaviour(**behaviour))


class Copier(Component):
    SPEC = ComponentSpec("Copier", SchemaPort, GraphPort, Behaviour,
                         executor="tests.runner.test_local:copy_text")

    def __init__(self, schema):
        super().__init__(id=None, inputs={"schema": schema}, params=Behaviour())


def _pipeline(tmp_path, **behaviour) -> Pipeline:
    writer = Writer(**behaviour)
    return Pipeline("toy", str(tmp_path / "root"), [writer, Copier(writer.outputs.schema)])


def test_outputs_are_published_at_final_uris_and_recorded(tmp_path):
    pipeline = _pipeline(tmp_path)
    events = []
    result = LocalRunner(lambda event, c, r: events.append((event, c.id))).run(pipeline)
    assert result.ok, result.message
    graph = result.output("Copier", "graph")
    assert graph.uri == os.path.join(pipeline.root, "Copier", "graph", str(result.components[1].execution_id))
    assert open(os.path.join(graph.uri, "copy.txt")).read() == "HELLO"
    assert not os.listdir(os.path.join(pipeline.root, ".staging"))
    assert events == [("started", "Writer"), ("finished", "Writer"),
                      ("started", "Copier"), ("finished", "Copier")]
    store = MetadataStore(pipeline.metadata)
    assert [e.state for e in store.executions(result.run_id)] == ["COMPLETE", "COMPLETE"]
    assert store.artifact(result.output("Writer", "schema").id).get("length") == 5
    assert store.runs("toy")[0].status == "COMPLETE"


def test_objects_frozen_while_executors_load_are_released_when_the_run_ends(tmp_path):
    FROZEN_WHILE_WRITING.clear()
    result = LocalRunner().run(_pipeline(tmp_path))
    assert result.ok, result.message
    assert FROZEN_WHILE_WRITING[0] > 10_000
    assert gc.get_freeze_count() == 0  # this process collects everything again (pipeline/heap.py)


def test_failed_execution_is_recorded_and_nothing_half_written_is_published(tmp_path):
    pipeline = _pipeline(tmp_path, fail=True)
    result = LocalRunner().run(pipeline)
    assert result.status == "FAILED"
    assert "asked to fail" in result.message
    assert [c.status for c in result.components] == ["failed", "not run"]
    assert not os.path.exists(os.path.join(pipeline.root, "Writer"))
    assert not os.listdir(os.path.join(pipeline.root, ".staging"))
    store = MetadataStore(pipeline.metadata)
    [execution] = store.executions(result.run_id)
    assert execution.state == "FAILED" and "asked to fail" in execution.properties["error"]
    assert store.raw.get_artifacts() == []
    assert store.runs("toy")[0].status == "FAILED"


def test_halt_publishes_the_output_then_stops(tmp_path):
    result = LocalRunner().run(_pipeline(tmp_path, halt=True))
    assert result.status == "STOPPED" and "asked to halt" in result.message
    assert [c.status for c in result.components] == ["ran", "not run"]
    assert os.path.isfile(os.path.join(result.output("Writer", "schema").uri, "file.txt"))


def test_a_later_run_leaves_earlier_artifacts_untouched(tmp_path):
    first = LocalRunner().run(_pipeline(tmp_path, text="first"))
    second = LocalRunner().run(_pipeline(tmp_path, text="second", fail=True))
    assert second.status == "FAILED"
    kept = first.output("Copier", "graph").uri
    assert open(os.path.join(kept, "copy.txt")).read() == "FIRST"
