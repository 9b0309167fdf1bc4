"""The local runner: every component in one process, in dependency order.

It owns the orchestration only: resolving inputs, staging and publishing
outputs, and telling the metadata store what happened. Executors know
nothing of it, and storage details live in `staging` and `metadata.store`.
"""
from __future__ import annotations

import json
import os
import time
import traceback
import uuid
from typing import Callable

from pipeline.dsl import Artifact, Channel, Component, ComponentError, ExecutionContext, Pipeline
from pipeline.dsl.component import params_to_dict
from pipeline.dsl.context import ExecutorOutcome
from pipeline.metadata.store import MetadataStore, RunContexts
from pipeline.runner import staging
from pipeline.runner.results import FAILED, NOT_RUN, RAN, ComponentResult, RunResult

Listener = Callable[[str, Component, ComponentResult | None], None]


class ComponentFailed(Exception):
    """Raised inside the runner when an executor fails; carries the result."""

    def __init__(self, result: ComponentResult):
        super().__init__(result.error)
        self.result = result


def new_run_id(pipeline_name: str) -> str:
    return f"{pipeline_name}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


def execution_properties(component: Component) -> dict[str, object]:
    """What an execution records about its configuration: the parameters as JSON,
    each scalar parameter on its own, and the hash of any module file."""
    params = params_to_dict(component.params)
    props: dict[str, object] = {"parameters": json.dumps(params, sort_keys=True)}
    for name, value in params.items():
        if isinstance(value, (bool, int, float, str)):
            props[f"param:{name}"] = value
    module_file = params.get("module_file")
    if module_file and os.path.isfile(module_file):
        from components.common.module_file import file_sha256
        props["module_sha256"] = file_sha256(module_file)
    return props


class LocalRunner:
    """Runs a Pipeline in this process and records it in ML Metadata.

    `listener(event, component, result)` is told "started" and "finished" for
    each component, so a console (or a test) can follow the run.
    """

    def __init__(self, listener: Listener | None = None):
        self._listen = listener or (lambda *_: None)

    def run(self, pipeline: Pipeline, run_id: str | None = None) -> RunResult:
        started = time.time()
        store = MetadataStore(pipeline.metadata)
        contexts = store.start_run(pipeline.name, run_id or new_run_id(pipeline.name),
                                   {"pipeline_root": pipeline.root})
        result = RunResult(pipeline.name, contexts.run_id, "RUNNING", [])
        produced: dict[tuple[int, str], Artifact] = {}
        for component in pipeline.components:
            try:
                outcome, component_result = self._run_component(pipeline, component, store,
                                                                contexts, produced)
            except ComponentFailed as failure:
                result.components.append(failure.result)
                return self._finish(store, contexts, result, started, "FAILED",
                                    f"{component.id} failed: {failure.result.error}", pipeline)
            result.components.append(component_result)
            if outcome.halt_reason:
                return self._finish(store, contexts, result, started, "STOPPED",
                                    f"{component.id} stopped the pipeline: {outcome.halt_reason}",
                                    pipeline)
        return self._finish(store, contexts, result, started, "COMPLETE", "", pipeline)

    def _finish(self, store: MetadataStore, contexts: RunContexts, result: RunResult,
                started: float, status: str, message: str, pipeline: Pipeline) -> RunResult:
        done = {r.component_id for r in result.components}
        result.components.extend(ComponentResult(c.id, NOT_RUN) for c in pipeline.components
                                 if c.id not in done)
        result.status, result.message, result.seconds = status, message, time.time() - started
        properties: dict[str, object] = {"status": status, "end_time": time.time()}
        if message:
            properties["message"] = message[:8000]
        pushed = result.find_output("PushedModel")
        if pushed is not None and pushed.get("pushed") == 1:
            properties["pushed_version"] = int(pushed.get("pushed_version"))
            properties["pushed_destination"] = str(pushed.get("pushed_destination"))
        store.update_run(contexts, properties)
        return result

    def _resolve_inputs(self, pipeline: Pipeline, component: Component, store: MetadataStore,
                        produced: dict[tuple[int, str], Artifact]) -> dict[str, Artifact]:
        resolved: dict[str, Artifact] = {}
        for name, source in component.inputs.items():
            if isinstance(source, Channel):
                resolved[name] = produced[(id(source.producer), source.output_name)]
            else:
                baseline = store.latest_blessed_model(pipeline.name)
                if baseline is not None:
                    resolved[name] = baseline
        return resolved

    def _run_component(self, pipeline: Pipeline, component: Component, store: MetadataStore,
                       contexts: RunContexts, produced: dict[tuple[int, str], Artifact]
                       ) -> tuple[ExecutorOutcome, ComponentResult]:
        spec = component.SPEC
        self._listen("started", component, None)
        started = time.time()
        inputs = self._resolve_inputs(pipeline, component, store, produced)
        properties = execution_properties(component)
        execution_id = store.start_execution(contexts, spec.type_name, component.id, inputs, properties)
        outputs = {p.name: p.artifact_type(uri=staging.prepare(
            staging.staging_uri(pipeline.root, execution_id, p.name))) for p in spec.output_ports}
        context = ExecutionContext(pipeline.name, contexts.run_id, component.id,
                                   staging.prepare(staging.staging_uri(pipeline.root, execution_id, ".tmp")),
                                   tuple(pipeline.beam_args))
        try:
            executor = spec.load_executor()
            outcome = executor(spec.inputs_type(**inputs), spec.outputs_type(**outputs),
                               component.params, context) or ExecutorOutcome()
            for name, artifact in outputs.items():
                final = staging.final_uri(pipeline.root, component.id, name, execution_id)
                staging.publish(artifact.uri, final)
                artifact.uri = final
            store.complete_execution(execution_id, outputs,
                                     {"duration_seconds": time.time() - started})
        except Exception as error:  # every failure is recorded, then reported
            message = str(error) if isinstance(error, ComponentError) else \
                f"{type(error).__name__}: {error}"
            trace = traceback.format_exc()
            store.fail_execution(execution_id, message + "\n" + trace,
                                 {"duration_seconds": time.time() - started})
            result = ComponentResult(component.id, FAILED, time.time() - started, execution_id,
                                     error=message, traceback=trace)
            self._listen("finished", component, result)
            raise ComponentFailed(result) from error
        finally:
            staging.discard(pipeline.root, execution_id)
        for name, artifact in outputs.items():
            produced[(id(component), name)] = artifact
        result = ComponentResult(component.id, RAN, time.time() - started, execution_id,
                                 outputs, outcome.summary)
        self._listen("finished", component, result)
        return outcome, result
