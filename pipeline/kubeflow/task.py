"""What one Kubeflow task runs: one component of a pipeline definition.

The task loads the same Python pipeline definition the local runner uses,
finds its component, reads its input artifacts from ML Metadata by the URIs
KFP passes, and executes it with `execute_node`, so ML Metadata gets the same
records whichever orchestrator ran it.
"""
from __future__ import annotations

import dataclasses
import sys
from typing import Mapping, Sequence

from pipeline import fs
from pipeline.dsl import Artifact, Channel, Pipeline
from pipeline.loader import load_pipeline
from pipeline.metadata.store import MetadataStore
from pipeline.runner.cache import cache_key
from pipeline.runner.console import ConsoleListener
from pipeline.runner.local import finish_run, resolve_inputs
from pipeline.runner.node import ComponentFailed, execute_node
from pipeline.runner.results import RunResult


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


def _inputs(pipeline: Pipeline, component_id: str, store: MetadataStore,
            input_paths: Mapping[str, str]) -> dict[str, Artifact]:
    """Upstream artifacts found in ML Metadata by the paths KFP passed, then the rest
    (the latest blessed model) resolved as the local runner does."""
    component = pipeline.component(component_id)
    produced = {}
    for name, source in component.inputs.items():
        if not isinstance(source, Channel):
            continue
        if name not in input_paths:
            raise TaskInputError(f"{component_id} needs its input {name!r}: pass "
                                 f"--input {name}=PATH (the upstream output's location)")
        try:
            produced[(source.producer.id, source.output_name)] = store.artifact_by_uri(input_paths[name])
        except KeyError as error:
            raise TaskInputError(f"{component_id} input {name!r}: {error.args[0]}") from None
    return resolve_inputs(pipeline, component, store, produced)


def run_task(pipeline_ref: str, component_id: str, run_id: str, options: Mapping[str, str],
             beam_args: Sequence[str], input_paths: Mapping[str, str],
             output_paths: Mapping[str, str]) -> None:
    """Runs one component; exits non-zero (stopping downstream tasks) if it fails
    or asks the pipeline to stop."""
    pipeline = load_pipeline(pipeline_ref, **{k: v for k, v in options.items() if v})
    component = pipeline.component(component_id)
    store = MetadataStore(pipeline.metadata)
    contexts = store.start_run(pipeline.name, run_id, {"orchestrator": "kubeflow"})
    inputs = _inputs(pipeline, component_id, store, input_paths)
    for path in output_paths.values():
        fs.makedirs(fs.parent(path))
    result = RunResult(pipeline.name, run_id, "RUNNING", [])
    beam = tuple(beam_args) or tuple(pipeline.beam_args)
    try:
        # The cache key is recorded (and gives outputs their content fingerprints) but not
        # looked up: KFP hands each task fresh output paths, so reuse is KFP's business.
        outcome, component_result = execute_node(component, inputs, store, contexts,
                                                 KfpLayout(output_paths), beam,
                                                 ConsoleListener(pipeline),
                                                 cache_key(component, inputs))
    except ComponentFailed as failure:
        finish_run(store, contexts, result, "FAILED", f"{component_id} failed: {failure.result.error}")
        sys.exit(f"{component_id} failed: {failure.result.error}")
    result.components.append(component_result)
    if outcome.halt_reason:
        message = f"{component_id} stopped the pipeline: {outcome.halt_reason}"
        finish_run(store, contexts, result, "STOPPED", message)
        sys.exit(message)
    if component is pipeline.components[-1]:
        finish_run(store, contexts, result, "COMPLETE")
