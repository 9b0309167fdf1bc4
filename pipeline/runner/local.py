"""The local runner: every component in one process, in dependency order.

It owns the orchestration only: resolving inputs and deciding what runs.
Executing and recording one component is `node.execute_node`; storage
details live in `staging` and `metadata.store`.
"""
from __future__ import annotations

import time
import uuid

from typing import Any, Mapping

from pipeline.dsl import (Artifact, Channel, Component, ExecutorOutcome, LatestBlessedModel,
                          Pipeline)
from pipeline.ir.build import build_ir
from pipeline.ir.materialize import materialize
from pipeline.ir.model import PipelineIR
from pipeline.metadata.store import MetadataStore, RunContexts
from pipeline.runner.cache import cache_key, outputs_present
from pipeline.runner.node import (ComponentFailed, Listener, RootLayout, execute_node,
                                  execution_properties)
from pipeline.runner.results import CACHED, NOT_RUN, ComponentResult, RunResult


def new_run_id(pipeline_name: str) -> str:
    return f"{pipeline_name}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


def resolve_inputs(pipeline: Pipeline, component: Component, store: MetadataStore,
                   produced: Mapping[tuple[str, str], Artifact]) -> dict[str, Artifact]:
    """The component's input artifacts: upstream outputs of this run (by producer id
    and output name), and `LatestBlessedModel` sources looked up in ML Metadata
    (absent on a first run)."""
    resolved: dict[str, Artifact] = {}
    for name, source in component.inputs.items():
        if isinstance(source, Channel):
            resolved[name] = produced[(source.producer.id, source.output_name)]
    for name, source in component.inputs.items():
        if isinstance(source, LatestBlessedModel):
            baseline = store.latest_blessed_model(pipeline.name,
                                                  excluding=resolved.get(source.candidate_input))
            if baseline is not None:
                resolved[name] = baseline
    return resolved


def finish_run(store: MetadataStore, contexts: RunContexts, result: RunResult, status: str,
               message: str = "") -> None:
    """Records the run's end: status, message, and the pushed model if any."""
    properties: dict[str, object] = {"status": status, "end_time": time.time()}
    if message:
        properties["message"] = message[:8000]
    pushed = result.find_output("PushedModel")
    if pushed is not None and pushed.get("pushed") == 1:
        newly = any(r.status != CACHED for r in result.components if "pushed_model" in r.outputs)
        prefix = "pushed" if newly else "serving"  # a cached Pusher pushed nothing new
        properties[f"{prefix}_version"] = int(pushed.get("pushed_version"))
        properties[f"{prefix}_destination"] = str(pushed.get("pushed_destination"))
    store.update_run(contexts, properties)


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
        back from the IR's JSON, as every runner does; `values` sets run parameters."""
        started = time.time()
        ir = pipeline if isinstance(pipeline, PipelineIR) else build_ir(pipeline)
        pipeline = materialize(PipelineIR.from_json(ir.to_json()), values)
        store = MetadataStore(pipeline.metadata)
        contexts = store.start_run(pipeline.name, run_id or new_run_id(pipeline.name),
                                   {"pipeline_root": pipeline.root})
        result = RunResult(pipeline.name, contexts.run_id, "RUNNING", [])
        produced: dict[tuple[str, str], Artifact] = {}
        status, message = "COMPLETE", ""
        for component in pipeline.components:
            inputs = resolve_inputs(pipeline, component, store, produced)
            key = cache_key(component, inputs)
            reused = self._reuse(component, inputs, key, store, contexts) \
                if use_cache and component.enable_cache and key else None
            try:
                outcome, component_result = reused or execute_node(
                    component, inputs, store, contexts, RootLayout(pipeline.root, component.id),
                    tuple(pipeline.beam_args), self._listen, key)
            except ComponentFailed as failure:
                result.components.append(failure.result)
                status, message = "FAILED", f"{component.id} failed: {failure.result.error}"
                break
            result.components.append(component_result)
            produced.update({(component.id, n): a for n, a in component_result.outputs.items()})
            if outcome.halt_reason:
                status, message = "STOPPED", f"{component.id} stopped the pipeline: {outcome.halt_reason}"
                break
        done = {r.component_id for r in result.components}
        result.components.extend(ComponentResult(c.id, NOT_RUN) for c in pipeline.components
                                 if c.id not in done)
        result.status, result.message, result.seconds = status, message, time.time() - started
        finish_run(store, contexts, result, status, message)
        return result

    def _reuse(self, component: Component, inputs: dict[str, Artifact], key: str,
               store: MetadataStore, contexts: RunContexts
               ) -> tuple[ExecutorOutcome, ComponentResult] | None:
        """Records a CACHED execution if an earlier one with this key left its outputs.
        The earlier outcome stands: if it stopped the pipeline, this one does too."""
        earlier = store.find_cached(component.SPEC.type_name, key)
        if earlier is None or not outputs_present(earlier.outputs):
            return None
        execution_id = store.record_cached_execution(
            contexts, component.SPEC.type_name, component.id, inputs, earlier.outputs,
            {**execution_properties(component), "cache_key": key, "cached_from": earlier.id})
        result = ComponentResult(component.id, CACHED, 0.0, execution_id, earlier.outputs,
                                 f"reused the outputs of execution #{earlier.id}")
        self._listen("finished", component, result)
        halt = earlier.properties.get("halt_reason")
        return ExecutorOutcome(result.summary, str(halt) if halt else None), result
