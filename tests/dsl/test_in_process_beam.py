"""in_process_beam: zlib pickling only while an in-process pipeline is built and run."""
from __future__ import annotations

import base64
import pickle
import threading

import apache_beam as beam
import pytest
from apache_beam.internal import dill_pickler, pickler
from apache_beam.options.pipeline_options import (DirectOptions, PipelineOptions, StandardOptions,
                                                  TypeOptions)
from apache_beam.testing.util import assert_that, equal_to

from pipeline.dsl import ExecutionContext
from pipeline.dsl.in_process_beam import in_process_pickling, runs_in_process

BEAM_FUNCTIONS = (dill_pickler.dumps, dill_pickler.loads)


def _compression(payload: bytes) -> str:
    head = base64.b64decode(payload)[:3]
    return "bz2" if head == b"BZh" else "zlib" if head[0] == 0x78 else repr(head)


def _context(*beam_args: str) -> ExecutionContext:
    return ExecutionContext("p", "run", "c", "/tmp", beam_args=beam_args)


@pytest.mark.parametrize("beam_args, in_process", [
    ((), True),
    (("--direct_running_mode=multi_threading", "--direct_num_workers=2"), True),
    (("--direct_running_mode=multi_processing", "--direct_num_workers=2"), False),
    (("--runner=FlinkRunner", "--flink_master=localhost:8081"), False),
    (("--runner=SparkRunner",), False),
])
def test_only_the_direct_runners_in_process_modes_count_as_in_process(beam_args, in_process):
    args = list(beam_args) or ["--runner=DirectRunner", "--direct_running_mode=in_memory"]
    assert runs_in_process(PipelineOptions(args)) is in_process
    pipeline = _context(*beam_args).beam_pipeline()
    assert (type(pipeline) is not beam.Pipeline) is in_process


def test_an_in_process_pipeline_pickles_with_zlib_while_it_is_built_and_run():
    seen = []
    with _context().beam_pipeline() as p:
        seen.append(_compression(pickler.dumps(len)))
        sums = (p | beam.Create([1, 2, 3, 4]) | beam.Map(lambda x: x * 10)
                | beam.CombineGlobally(sum))
        assert_that(sums, equal_to([100]))
        proto = p.to_runner_api()
    assert seen == ["zlib"]
    payloads = [t.spec.payload for t in proto.components.transforms.values()
                if t.spec.urn == "beam:transform:pardo:v1"]
    assert payloads  # the Map and the assertion's DoFns
    assert (dill_pickler.dumps, dill_pickler.loads) == BEAM_FUNCTIONS
    assert _compression(pickler.dumps(len)) == "bz2"


def test_a_failing_pipeline_leaves_beam_pickling_as_it_was():
    def explode(x: int) -> int:
        raise ValueError(f"bad row {x}")

    with pytest.raises(ValueError, match="bad row 1"):
        with _context().beam_pipeline() as p:
            _ = p | beam.Create([1]) | beam.Map(explode)
    assert (dill_pickler.dumps, dill_pickler.loads) == BEAM_FUNCTIONS


def test_loads_reads_both_compressions_and_beam_reads_what_was_written_outside():
    beam_payload = pickler.dumps({"a": 1})
    with in_process_pickling():
        zlib_payload = pickler.dumps({"b": 2})
        assert pickler.loads(beam_payload) == {"a": 1}
        assert pickler.loads(zlib_payload) == {"b": 2}
        assert pickler.loads(pickler.dumps(1, use_zlib=True), use_zlib=True) == 1
    assert _compression(zlib_payload) == "zlib"
    assert pickler.loads(beam_payload) == {"a": 1}


def test_what_dill_cannot_pickle_fails_as_it_does_in_beam():
    generator = (i for i in range(3))
    with pytest.raises(Exception) as beam_error:
        pickler.dumps(generator)
    with in_process_pickling():
        with pytest.raises(type(beam_error.value), match="generator"):
            pickler.dumps(generator)
    assert (dill_pickler.dumps, dill_pickler.loads) == BEAM_FUNCTIONS


def test_nested_and_concurrent_users_restore_beam_only_when_the_last_leaves():
    inside, leave = threading.Event(), threading.Event()

    def other_user() -> None:
        with in_process_pickling():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other_user)
    thread.start()
    inside.wait(10)
    with in_process_pickling():
        with in_process_pickling():
            pass
        assert _compression(pickler.dumps(len)) == "zlib"
    assert _compression(pickler.dumps(len)) == "zlib"  # the thread is still inside
    leave.set()
    thread.join(10)
    assert (dill_pickler.dumps, dill_pickler.loads) == BEAM_FUNCTIONS


def test_in_process_options_build_each_view_once_and_share_its_values():
    pipeline = _context("--direct_num_workers=1").beam_pipeline()
    options = pipeline.options
    assert options.view_as(TypeOptions) is options.view_as(TypeOptions)
    options.view_as(TypeOptions).pipeline_type_check = False
    assert options.view_as(TypeOptions).pipeline_type_check is False
    assert options.view_as(DirectOptions).direct_num_workers == 1
    assert options.view_as(StandardOptions).runner == "DirectRunner"
    copy = pickle.loads(pickle.dumps(options))
    assert "_views" not in vars(copy)
    assert copy.view_as(TypeOptions).pipeline_type_check is False
    assert copy.get_all_options(drop_default=True) == options.get_all_options(drop_default=True)
