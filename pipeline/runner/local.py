"""The local runner: every component in one process, in dependency order.

It owns the order only; resolving inputs, reuse and execution are the shared
`orchestration` steps every orchestrator uses, and storage lives in `staging`
and `metadata.store`. Every run it starts ends recorded in a final state:
COMPLETE, STOPPED, FAILED (a component or the runner itself failed) or
CANCELED (Ctrl-C, SIGTERM); a run whose process was killed is marked
ABANDONED by the next run or `mlpipe runs`, and what it wrote to the serving
folder without recording it is removed (see `recovery`).
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Mapping

from pipeline import heap
from pipeline.dsl import Artifact, Pipeline
from pipeline.ir.build import build_ir
from pipeline.ir.materialize import materialize
from pipeline.ir.model import PipelineIR
from pipeline.metadata.guard import StoreError
from pipeline.metadata.store import MetadataStore, RunContexts
from pipeline.runner import staging
from pipeline.runner.heartbeat import Heartbeat
from pipeline.runner.liveness import Terminated, runner_identity
from pipeline.runner.node import ComponentFailed, Listener, RootLayout
from pipeline.runner.orchestration import finish_run, resolve_inputs, run_component
from pipeline.runner.recovery import recover
from pipeline.runner.results import NOT_RUN, ComponentResult, RunResult


def new_run_id(pipeline_name: str) -> str:
    return f"{pipeline_name}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


class RunnerError(Exception):
    """The runner itself failed (not a component): the run is recorded FAILED."""


class LocalRunner:
    """Runs a Pipeline in this process and records it in ML Metadata.

    `listener(event, component, result)` is told "started" and "finished" for
    each component, so a console (or a test) can follow the run.
    """

    def __init__(self, listener: Listener | None = None):
        self._listen = listener or (lambda *_: None)

    def run(self, pipeline: Pipeline | PipelineIR, run_id: str | None = None,
            use_cache: bool = True, values: Mapping[str, Any] | None = None) -> RunResult:
        """Runs every component in order, reusing earlier outputs where the cache
        key matches (unless `use_cache` is False or the component disables it).

        A pipeline definition is compiled to the IR first and what runs is read
        back from the IR's JSON, as every runner does; `values` sets run parameters.
        Raises RunnerError (the run recorded FAILED) if the runner itself fails, and
        re-raises KeyboardInterrupt and Terminated after recording the run CANCELED."""
        started = time.time()
        given = pipeline.metadata if isinstance(pipeline, Pipeline) and pipeline.metadata_given else None
        ir = pipeline if isinstance(pipeline, PipelineIR) else build_ir(pipeline)
        pipeline = materialize(PipelineIR.from_json(ir.to_json()), values, metadata=given)
        store = MetadataStore(pipeline.metadata)
        notices = recover(store, pipeline.name)
        contexts = store.start_run(pipeline.name, run_id or new_run_id(pipeline.name),
                                   {"pipeline_root": pipeline.root, **runner_identity()})
        result = RunResult(pipeline.name, contexts.run_id, "RUNNING", [], notices=notices)
        try:
            staging.check_writable(pipeline.root)
            with Heartbeat(pipeline.metadata, contexts):
                status, message = self._run_components(pipeline, store, contexts, result,
                                                       use_cache)
        except (KeyboardInterrupt, Terminated) as interrupt:
            _record_end(store, contexts, result, "CANCELED", f"interrupted: {interrupt!r}")
            raise
        except Exception as error:  # noqa: BLE001 - whatever broke, the run must not stay RUNNING
            message = (str(error) if isinstance(error, (StoreError, staging.RootNotWritable))
                       else f"the runner failed: {type(error).__name__}: {error}")
            _record_end(store, contexts, result, "FAILED", message)
            raise RunnerError(f"run {contexts.run_id}: {message}") from error
        finally:
            heap.release_frozen()  # what the run's imports froze is the collector's again
        done = {r.component_id for r in result.components}
        result.components.extend(ComponentResult(c.id, NOT_RUN) for c in pipeline.components
                                 if c.id not in done)
        result.status, result.message, result.seconds = status, message, time.time() - started
        finish_run(store, contexts, result, status, message)
        return result

    def _run_components(self, pipeline: Pipeline, store: MetadataStore, contexts: RunContexts,
                        result: RunResult, use_cache: bool) -> tuple[str, str]:
        """Runs the components in order into `result`; returns the run's status and message."""
        produced: dict[tuple[str, str], Artifact] = {}
        for component in pipeline.components:
            inputs = resolve_inputs(pipeline, component, store, produced)
            try:
                outcome, component_result = run_component(
                    component, inputs, store, contexts, RootLayout(pipeline.root, component.id),
                    tuple(pipeline.beam_args), self._listen, use_cache)
            except ComponentFailed as failure:
                result.components.append(failure.result)
                return "FAILED", f"{component.id} failed: {failure.result.error}"
            result.components.append(component_result)
            produced.update({(component.id, n): a for n, a in component_result.outputs.items()})
            if outcome.halt_reason:
                return "STOPPED", f"{component.id} stopped the pipeline: {outcome.halt_reason}"
            if outcome.end_reason:
                return "COMPLETE", f"{component.id} ended the run: {outcome.end_reason}"
        return "COMPLETE", ""


def _record_end(store: MetadataStore, contexts: RunContexts, result: RunResult, status: str,
                message: str) -> None:
    """Records how an interrupted or broken run ended, if the store still takes writes.
    An execution still open (recording its own end failed) ends with the run."""
    result.status, result.message = status, message
    try:
        store.end_open_executions(contexts, message, canceled=status == "CANCELED")
        finish_run(store, contexts, result, status, message)
    except Exception:  # noqa: BLE001 - the store itself may be what failed; the original error is raised
        pass
