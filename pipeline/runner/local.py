"""The local runner: every component in one process, in dependency order.

It owns the orchestration only: resolving inputs and deciding what runs.
Executing and recording one component is `node.execute_node`; storage
details live in `staging` and `metadata.store`.
"""
from __future__ import annotations

import time
import uuid

from pipeline.dsl import Artifact, Channel, Component, Pipeline
from pipeline.metadata.store import MetadataStore, RunContexts
from pipeline.runner.node import ComponentFailed, Listener, RootLayout, execute_node
from pipeline.runner.results import NOT_RUN, ComponentResult, RunResult


def new_run_id(pipeline_name: str) -> str:
    return f"{pipeline_name}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


def resolve_inputs(pipeline: Pipeline, component: Component, store: MetadataStore,
                   produced: dict[tuple[str, str], Artifact]) -> dict[str, Artifact]:
    """The component's input artifacts: upstream outputs of this run, and
    `LatestBlessedModel` sources looked up in ML Metadata (absent on a first run)."""
    resolved: dict[str, Artifact] = {}
    for name, source in component.inputs.items():
        if isinstance(source, Channel):
            resolved[name] = produced[(source.producer.id, source.output_name)]
        else:
            baseline = store.latest_blessed_model(pipeline.name)
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
        properties["pushed_version"] = int(pushed.get("pushed_version"))
        properties["pushed_destination"] = str(pushed.get("pushed_destination"))
    store.update_run(contexts, properties)


class LocalRunner:
    """Runs a Pipeline in this process and records it in ML Metadata.

    `listener(event, component, result)` is told "started" and "finished" for
    each component, so a console (or a test) can follow the run.
    """

    def __init__(self, listener: Listener | None = None):
        self._listen = listener

    def run(self, pipeline: Pipeline, run_id: str | None = None) -> RunResult:
        started = time.time()
        store = MetadataStore(pipeline.metadata)
        contexts = store.start_run(pipeline.name, run_id or new_run_id(pipeline.name),
                                   {"pipeline_root": pipeline.root})
        result = RunResult(pipeline.name, contexts.run_id, "RUNNING", [])
        produced: dict[tuple[str, str], Artifact] = {}
        status, message = "COMPLETE", ""
        for component in pipeline.components:
            inputs = resolve_inputs(pipeline, component, store, produced)
            try:
                outcome, component_result = execute_node(
                    component, inputs, store, contexts, RootLayout(pipeline.root, component.id),
                    tuple(pipeline.beam_args), self._listen)
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
