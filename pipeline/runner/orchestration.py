"""What every orchestrator does around one component: resolve its inputs, reuse
earlier outputs when the cache key matches, else execute it; record the run.

The local runner calls this for each node in turn; a Kubeflow task (or any
orchestrator calling `mlpipe component`) calls it for its one node.
"""
from __future__ import annotations

import time
from typing import Mapping

from pipeline.dsl import (Artifact, Channel, Component, ExecutorOutcome, LatestBlessedModel,
                          Pipeline, PushedModel)
from pipeline.dsl.channel import RESOLVED_SOURCES
from pipeline.metadata import resolvers
from pipeline.metadata.store import MetadataStore, RunContexts
from pipeline.runner.cache import cache_key, outputs_present
from pipeline.runner.node import Listener, OutputLayout, execute_node, execution_properties
from pipeline.runner.results import CACHED, ComponentResult, RunResult


def resolve_inputs(pipeline: Pipeline, component: Component, store: MetadataStore,
                   produced: Mapping[tuple[str, str], Artifact]) -> dict[str, Artifact]:
    """The component's input artifacts: upstream outputs of this run (by producer id
    and output name), and `LatestBlessedModel` and the `RESOLVED_SOURCES` looked up
    in ML Metadata (absent on a first run)."""
    resolved: dict[str, Artifact] = {}
    for name, source in component.inputs.items():
        if isinstance(source, Channel):
            resolved[name] = produced[(source.producer.id, source.output_name)]
    for name, source in component.inputs.items():
        if isinstance(source, tuple(RESOLVED_SOURCES.values())):  # never an input twice
            found = resolvers.RESOLVERS[source.RESOLVER](store, pipeline.name)
            if found is not None and found.id not in {a.id for a in resolved.values()}:
                resolved[name] = found
        if isinstance(source, LatestBlessedModel):
            baseline = resolvers.latest_blessed_model(store, pipeline.name,
                                                  excluding=resolved.get(source.candidate_input))
            if baseline is not None:
                resolved[name] = baseline
    return resolved


def run_component(component: Component, inputs: dict[str, Artifact], store: MetadataStore,
                  contexts: RunContexts, layout: OutputLayout, beam_args: tuple[str, ...],
                  listener: Listener, use_cache: bool = True
                  ) -> tuple[ExecutorOutcome, ComponentResult]:
    """Reuses the outputs of an earlier execution with the same cache key (recorded
    CACHED), or executes the component. Raises ComponentFailed if it fails."""
    key = cache_key(component, inputs)
    if use_cache and component.enable_cache and key:
        reused = _reuse(component, inputs, key, store, contexts, listener)
        if reused:
            return reused
    return execute_node(component, inputs, store, contexts, layout, beam_args, listener, key)


def _reuse(component: Component, inputs: dict[str, Artifact], key: str, store: MetadataStore,
           contexts: RunContexts, listener: Listener
           ) -> tuple[ExecutorOutcome, ComponentResult] | None:
    """Records a CACHED execution if an earlier one with this key left its outputs.
    The earlier outcome stands: if it stopped the pipeline, this one does too."""
    earlier = store.find_cached(component.SPEC.type_name, key)
    ports = {port.name for port in component.output_ports}
    if earlier is None or set(earlier.outputs) != ports or not outputs_present(earlier.outputs):
        return None  # nothing to reuse, or a record without all its outputs
    execution_id = store.record_cached_execution(
        contexts, component.SPEC.type_name, component.id, inputs, earlier.outputs,
        {**execution_properties(component), "cache_key": key, "cached_from": earlier.id})
    result = ComponentResult(component.id, CACHED, 0.0, execution_id, earlier.outputs,
                             f"reused the outputs of execution #{earlier.id}")
    listener("finished", component, result)
    halt, end = earlier.properties.get("halt_reason"), earlier.properties.get("end_reason")
    return ExecutorOutcome(result.summary, str(halt) if halt else None,
                           str(end) if end else None), result


def finish_run(store: MetadataStore, contexts: RunContexts, result: RunResult, status: str,
               message: str = "") -> None:
    """Records the run's end: status, message, and the pushed model if any."""
    properties: dict[str, object] = {"status": status, "end_time": time.time()}
    if message:
        properties["message"] = message[:8000]
    pushed = result.find_output(PushedModel.TYPE_NAME)
    if isinstance(pushed, PushedModel) and pushed.pushed:
        prefix = "serving" if result.pushed_from_cache else "pushed"  # a cached push is no new one
        properties[f"{prefix}_version"] = int(pushed.version)
        properties[f"{prefix}_destination"] = str(pushed.destination)
    store.update_run(contexts, properties)
