"""Runs one component execution and records it: shared by every orchestrator.

The local runner and the Kubeflow task entrypoint differ only in where
outputs finally live (an `OutputLayout`) and where inputs come from.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
import traceback
from typing import Callable, Protocol

from pipeline import faults, fs
from pipeline.dsl import Artifact, Component, ComponentError, ExecutionContext
from pipeline.dsl.component import params_to_dict
from pipeline.dsl.context import ExecutorOutcome
from pipeline.metadata import intents
from pipeline.metadata.guard import StoreError, check_free_space, hint, short_error
from pipeline.metadata.store import MetadataStore, RunContexts
from pipeline.runner import recovery, staging
from pipeline.runner.cache import content_fingerprint
from pipeline.runner.results import FAILED, RAN, ComponentResult

Listener = Callable[[str, Component, ComponentResult | None], None]


class OutputLayout(Protocol):
    """Where an execution's outputs are staged and then published."""

    def staging_uri(self, execution_id: int, output_name: str) -> str: ...

    def final_uri(self, execution_id: int, output_name: str) -> str: ...

    def discard(self, execution_id: int) -> None: ...


@dataclasses.dataclass(frozen=True)
class RootLayout:
    """TFX's layout under a pipeline root: `<root>/<component>/<output>/<execution id>`."""

    root: str
    component_id: str

    def staging_uri(self, execution_id: int, output_name: str) -> str:
        return staging.staging_uri(self.root, execution_id, output_name)

    def final_uri(self, execution_id: int, output_name: str) -> str:
        return staging.final_uri(self.root, self.component_id, output_name, execution_id)

    def discard(self, execution_id: int) -> None:
        staging.discard(self.root, execution_id)


class ComponentFailed(Exception):
    """An executor failed; the execution is recorded FAILED and `result` says why."""

    def __init__(self, result: ComponentResult):
        super().__init__(result.error)
        self.result = result


def execution_properties(component: Component) -> dict[str, object]:
    """What an execution records about its configuration: the parameters as JSON,
    each scalar parameter on its own, and the sha256 of each file parameter's
    content (`module_file` as `module_sha256`)."""
    params = params_to_dict(component.params)
    props: dict[str, object] = {"parameters": json.dumps(params, sort_keys=True)}
    for name, value in params.items():
        if isinstance(value, (bool, int, float, str)):
            props[f"param:{name}"] = value
    for name in component.SPEC.file_params:
        path = params.get(name)
        if path and fs.isfile(path):
            label = name[:-len("_file")] if name.endswith("_file") else name
            props[f"{label}_sha256"] = hashlib.sha256(fs.read_bytes(path)).hexdigest()
    return props


def _failure(component: Component, execution_id: int, started: float,
             error: Exception) -> ComponentResult:
    """The failed result, with a one-line error (the traceback keeps the rest)."""
    return ComponentResult(component.id, FAILED, time.time() - started, execution_id,
                           error=_one_line(error), traceback=traceback.format_exc())


def _one_line(error: Exception) -> str:
    """What the user reads: a ComponentError or StoreError as it is; another error as
    its type and first line (shutil's list of failed copies: the first), plus what
    to do if it names a full or read-only disk."""
    if isinstance(error, (ComponentError, StoreError)):
        return str(error)
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        return f"copying {error.args[0][0][0]} failed: {error.args[0][0][2]}" + (
            f" ({advice})" if (advice := hint(str(error.args[0][0][2]))) else "")
    return short_error(error)


def _publish(outputs: dict[str, Artifact], layout: OutputLayout, execution_id: int) -> None:
    """Fingerprints each staged output and moves it to its final URI."""
    for name, artifact in outputs.items():
        artifact.set("fingerprint", content_fingerprint(artifact))
        final = layout.final_uri(execution_id, name)
        staging.publish(artifact.uri, final)
        artifact.uri = final


def _execute(component: Component, inputs: dict[str, Artifact], store: MetadataStore,
             contexts: RunContexts, layout: OutputLayout, beam_args: tuple[str, ...],
             execution_id: int, started: float) -> tuple[ExecutorOutcome, dict[str, Artifact]]:
    """Runs the recorded execution: staging, executor, publishing, recording the outcome.
    Passes the fault points `<component id>:<phase>` (see `faults.PHASES`)."""
    point = lambda phase: faults.point(f"{component.id}:{phase}")  # noqa: E731
    spec = component.SPEC
    point("start")
    staged = lambda name: staging.prepare(layout.staging_uri(execution_id, name))  # noqa: E731
    outputs = {p.name: p.artifact_type(uri=staged(p.name)) for p in component.output_ports}
    context = ExecutionContext(
        contexts.pipeline.name, contexts.run_id, component.id, staged(".tmp"), beam_args,
        will_write_external=lambda uri: intents.record_intent(store, execution_id, uri))
    point("executor")
    if not fs.is_remote(context.tmp_dir):
        check_free_space(context.tmp_dir, f"the outputs of {component.id}")
    outcome = spec.load_executor()(spec.inputs_type(**inputs), spec.outputs_type(**outputs),
                                   component.params, context) or ExecutorOutcome()
    point("publish")
    _publish(outputs, layout, execution_id)
    point("record")
    done = {"duration_seconds": time.time() - started}
    for reason in ("halt_reason", "end_reason"):  # kept so that a cached rerun does it again
        if getattr(outcome, reason):
            done[reason] = getattr(outcome, reason)
    store.complete_execution(execution_id, outputs, done)
    return outcome, outputs


def execute_node(component: Component, inputs: dict[str, Artifact], store: MetadataStore,
                 contexts: RunContexts, layout: OutputLayout, beam_args: tuple[str, ...] = (),
                 listener: Listener | None = None, cache_key: str | None = None,
                 ) -> tuple[ExecutorOutcome, ComponentResult]:
    """Records the execution, runs the executor on staged outputs, publishes them and
    records the outcome. Raises ComponentFailed (after recording it) on any error.
    With a `cache_key`, the execution records it, so later runs can reuse these
    outputs; every output records its content fingerprint."""
    listen = listener or (lambda *_: None)
    spec = component.SPEC
    listen("started", component, None)
    started = time.time()
    properties = execution_properties(component)
    if cache_key:
        properties["cache_key"] = cache_key
    execution_id = store.start_execution(contexts, spec.type_name, component.id, inputs, properties)
    try:
        outcome, outputs = _execute(component, inputs, store, contexts, layout, beam_args,
                                    execution_id, started)
    except Exception as error:  # every failure is recorded, then reported
        layout.discard(execution_id)  # first: on a full disk, this frees space for the record
        result = _failure(component, execution_id, started, error)
        listen("finished", component, result)
        store.fail_execution(execution_id, f"{result.error}\n{result.traceback}",
                             {"duration_seconds": result.seconds})
        recovery.roll_back(store, execution_id=execution_id)
        raise ComponentFailed(result) from error
    except BaseException as interrupt:  # Ctrl-C or SIGTERM: canceled, never left RUNNING
        store.fail_execution(execution_id, f"interrupted ({type(interrupt).__name__})",
                             {"duration_seconds": time.time() - started}, canceled=True)
        recovery.roll_back(store, execution_id=execution_id)
        raise
    finally:
        layout.discard(execution_id)
    result = ComponentResult(component.id, RAN, time.time() - started, execution_id, outputs,
                             outcome.summary)
    listen("finished", component, result)
    return outcome, result
