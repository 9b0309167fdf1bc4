"""What one Kubeflow task runs: one node of a compiled pipeline.

The task gets its node's IR (never the user's pipeline file), materializes the
node with the run's parameter values, finds its input artifacts in ML Metadata
by the locations KFP passes, and runs it with the same orchestration steps as
the local runner (reuse through ML Metadata, or execute), so ML Metadata gets
the same records whichever orchestrator ran it.
"""
from __future__ import annotations

import dataclasses
import sys
from typing import Any, Mapping

from pipeline import fs
from pipeline.dsl import Artifact, Channel, Component, Pipeline
from pipeline.ir.materialize import materialize
from pipeline.ir.model import PipelineIR
from pipeline.metadata.store import MetadataStore, RunContexts
from pipeline.runner.console import ConsoleListener
from pipeline.runner.heartbeat import Heartbeat
from pipeline.runner.liveness import Terminated
from pipeline.runner.node import ComponentFailed
from pipeline.runner.orchestration import finish_run, resolve_inputs, run_component
from pipeline.runner.results import RunResult


ENDED_BY = "ended_by"  # run property: the component that ended the run early, successfully


@dataclasses.dataclass(frozen=True)
class KfpLayout:
    """Outputs are published at the paths KFP gives each output artifact."""

    output_paths: Mapping[str, str]

    def staging_uri(self, execution_id: int, output_name: str) -> str:
        if output_name in self.output_paths:
            return f"{self.output_paths[output_name]}.staging"
        return f"{next(iter(self.output_paths.values()))}.{output_name.strip('.')}"

    def final_uri(self, execution_id: int, output_name: str) -> str:
        return self.output_paths[output_name]

    def discard(self, execution_id: int) -> None:
        for path in self.output_paths.values():
            fs.rmtree(f"{path}.staging")
            fs.rmtree(f"{path}.tmp")


class TaskInputError(Exception):
    """An input location is missing, or no recorded artifact lives there."""


def _upstream(component: Component, store: MetadataStore, contexts: RunContexts,
              input_paths: Mapping[str, str]) -> dict[tuple[str, str], Artifact]:
    """Upstream artifacts by (producer, output): the artifact published where KFP
    says, or, when the producer reused earlier outputs (and so wrote nothing
    there), that producer's output recorded in this run."""
    produced = {}
    for name, source in component.inputs.items():
        if not isinstance(source, Channel):
            continue
        if name not in input_paths:
            raise TaskInputError(f"{component.id} needs its input {name!r}: pass "
                                 f"--input {name}=PATH (the upstream output's location)")
        key = (source.producer.id, source.output_name)
        try:
            produced[key] = store.artifact_by_uri(input_paths[name])
        except KeyError as error:
            produced[key] = store.run_output(contexts, *key)
            if produced[key] is None:
                raise TaskInputError(f"{component.id} input {name!r}: {error.args[0]}") from None
    return produced


def run_task(ir: str | Mapping[str, Any], run_id: str, values: Mapping[str, Any],
             input_paths: Mapping[str, str], output_paths: Mapping[str, str],
             use_cache: bool = True, final: bool = False) -> None:
    """Runs the one node of `ir` (a node slice of a compiled pipeline); exits
    non-zero (stopping downstream tasks) if it fails or stops the pipeline. If an
    earlier task ended the run (nothing more to do), it records nothing and exits 0."""
    compiled = PipelineIR.from_json(ir) if isinstance(ir, str) else PipelineIR.from_dict(dict(ir))
    pipeline = materialize(compiled, values, only=compiled.nodes[0].id)
    component = pipeline.components[0]
    store = MetadataStore(pipeline.metadata)
    contexts = store.start_run(pipeline.name, run_id, {"orchestrator": "kubeflow",
                                                       "pipeline_root": pipeline.root})
    ended_by = contexts.run.custom_properties.get(ENDED_BY)
    if ended_by is not None:
        print(f"{component.id}: skipped: {ended_by.string_value} ended the run", flush=True)
        return
    inputs = resolve_inputs(pipeline, component, store,
                            _upstream(component, store, contexts, input_paths))
    for path in output_paths.values():
        fs.makedirs(fs.parent(path))
    with Heartbeat(pipeline.metadata, contexts):
        _run(pipeline, component, inputs, store, contexts, output_paths, use_cache, final)


def _run(pipeline: Pipeline, component: Component, inputs: dict[str, Artifact],
         store: MetadataStore, contexts: RunContexts, output_paths: Mapping[str, str],
         use_cache: bool, final: bool) -> None:
    result = RunResult(pipeline.name, contexts.run_id, "RUNNING", [])
    try:
        outcome, component_result = run_component(
            component, inputs, store, contexts, KfpLayout(output_paths),
            tuple(pipeline.beam_args), ConsoleListener(pipeline), use_cache)
    except ComponentFailed as failure:
        finish_run(store, contexts, result, "FAILED", f"{component.id} failed: {failure.result.error}")
        sys.exit(f"{component.id} failed: {failure.result.error}")
    except (KeyboardInterrupt, Terminated) as interrupt:  # the run was canceled: its pods stop
        finish_run(store, contexts, result, "CANCELED", f"{component.id} interrupted: {interrupt!r}")
        raise
    result.components.append(component_result)
    if outcome.halt_reason:
        message = f"{component.id} stopped the pipeline: {outcome.halt_reason}"
        finish_run(store, contexts, result, "STOPPED", message)
        sys.exit(message)
    if outcome.end_reason:  # the tasks after this one find ENDED_BY and skip themselves
        store.update_run(contexts, {ENDED_BY: component.id})
        finish_run(store, contexts, result, "COMPLETE",
                   f"{component.id} ended the run: {outcome.end_reason}")
        return
    if final:
        finish_run(store, contexts, result, "COMPLETE")
