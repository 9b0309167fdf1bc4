"""`mlpipe canary`, `promote` and `rollback`: what serves, changed in the serving
folder's models.config and recorded in ML Metadata as a LabelChange execution
(its input: the PushedModel it labels; its properties: the action and the
labels before and after), so the history of what served when is in the store.

Only versions that were pushed (blessed, recorded, folder present) can be
labelled; rollback goes back to the version that was stable before (from the
pushes and label changes recorded), or to a named one that ever was stable.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Callable

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline import fs
from pipeline.dsl import PushedModel
from pipeline.metadata.store import PIPELINE_CONTEXT, MetadataStore
from pipeline.serving import config as serving_config
from pipeline.serving.labels import Label

CHANGE_TYPE = "LabelChange"


class LabelError(Exception):
    """The change makes no sense (unknown version, nothing to promote or roll back to)."""


class PromotionRefused(LabelError):
    """The promotion gate found the canary worse than stable."""


class Action(enum.Enum):
    CANARY = "canary"
    PROMOTE = "promote"
    ROLLBACK = "rollback"


@dataclasses.dataclass(frozen=True)
class Target:
    """Where a pipeline's model serves from (its Pusher's settings)."""

    serving_dir: str
    model_name: str


@dataclasses.dataclass(frozen=True)
class LabelChange:
    action: Action
    before: dict[Label, int]
    after: dict[Label, int]
    canary_percent: float
    execution_id: int

    def describe(self) -> str:
        show = lambda labels: ", ".join(f"{l.value} {v}" for l, v in sorted(
            labels.items(), key=lambda i: i[0].value)) or "nothing"
        return f"{self.action.value}: {show(self.before)} -> {show(self.after)}"


def pushes(store: MetadataStore, pipeline_name: str) -> list[tuple[int, PushedModel]]:
    """(creation time in ms, PushedModel) of the pipeline's recorded pushes, oldest first."""
    context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
    if context is None:
        return []
    found = []
    for proto in sorted(store.raw.get_artifacts_by_context(context.id), key=lambda a: a.id):
        artifact = store.to_artifact(proto)
        if isinstance(artifact, PushedModel) and artifact.pushed and artifact.version:
            found.append((proto.create_time_since_epoch, artifact))
    return found


def pushed_versions(store: MetadataStore, pipeline_name: str) -> dict[int, PushedModel]:
    """{version: PushedModel} of the pipeline's recorded pushes, oldest first."""
    return {int(p.version): p for _, p in pushes(store, pipeline_name)}


def _servable(store: MetadataStore, pipeline_name: str, version: int) -> PushedModel:
    pushes = pushed_versions(store, pipeline_name)
    if version not in pushes:
        known = ", ".join(str(v) for v in pushes) or "none"
        raise LabelError(f"version {version} of {pipeline_name!r} was never pushed (a blessed "
                         f"model ML Metadata records); pushed versions: {known}")
    pushed = pushes[version]
    if not fs.isdir(pushed.destination or ""):
        raise LabelError(f"version {version}'s folder {pushed.destination} is gone; it cannot serve")
    return pushed


def stable_history(store: MetadataStore, pipeline_name: str) -> list[int]:
    """The versions that were stable, in the order they became so: pushes labelled
    stable, and label changes that set a stable version."""
    events = [(created, int(p.version)) for created, p in pushes(store, pipeline_name)
              if p.get("label") == Label.STABLE.value]
    context = store.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline_name)
    for execution in (store.raw.get_executions_by_context(context.id) if context else []):
        props = execution.custom_properties
        if (execution.last_known_state == pb.Execution.COMPLETE and "after_stable" in props
                and props["after_stable"].int_value):
            events.append((execution.create_time_since_epoch, props["after_stable"].int_value))
    ordered = [v for _, v in sorted(events, key=lambda e: e[0])]
    return [v for i, v in enumerate(ordered) if i == 0 or ordered[i - 1] != v]


def _change(store: MetadataStore, pipeline_name: str, target: Target, action: Action,
            version: int, wanted: dict[Label, int | None], percent: float,
            evidence: dict[str, object] | None = None) -> LabelChange:
    """Records the change as RUNNING, makes it (under the serving folder's lock, the
    caller holds it), then completes the record; a failure marks it FAILED."""
    pushed = _servable(store, pipeline_name, version)
    before = serving_config.labels(target.serving_dir, target.model_name)
    after = {**before, **{label: v for label, v in wanted.items() if v is not None}}
    after = {label: v for label, v in after.items() if wanted.get(label, v) is not None}
    properties = {"action": action.value, "version": version, "canary_percent": percent,
                  **{f"before_{l.value}": v for l, v in before.items()},
                  **{f"after_{l.value}": v for l, v in after.items()}, **(evidence or {})}
    execution_id = store.start_check(pipeline_name, CHANGE_TYPE, {"model": pushed}, properties)
    try:
        serving_config.update_labels(target.serving_dir, target.model_name, wanted)
        serving_config.set_canary_percent(target.serving_dir, target.model_name, percent)
        store.complete_execution(execution_id, {}, {})
    except BaseException as error:
        store.fail_execution(execution_id, f"{type(error).__name__}: {error}", {})
        raise
    return LabelChange(action, before, after, percent, execution_id)


def canary(store: MetadataStore, pipeline_name: str, target: Target, version: int,
           percent: float) -> LabelChange:
    """Labels a pushed version canary, to get `percent` of unlabelled requests."""
    if not 0 < percent < 100:
        raise LabelError(f"--percent {percent:g}: the canary's share must be between 0 and 100")
    with serving_config.locked(target.serving_dir):
        current = serving_config.labels(target.serving_dir, target.model_name)
        if current.get(Label.STABLE) == version:
            raise LabelError(f"version {version} is already stable; a canary is another version")
        return _change(store, pipeline_name, target, Action.CANARY, version,
                       {Label.CANARY: version}, percent)


def promote(store: MetadataStore, pipeline_name: str, target: Target,
            gate: Callable[[int, int], dict[str, object]] | None = None) -> LabelChange:
    """Makes the canary stable (all traffic) and clears the canary label. `gate`,
    given (stable, canary), raises LabelError to refuse, or returns the evidence
    recorded with the change."""
    with serving_config.locked(target.serving_dir):
        current = serving_config.labels(target.serving_dir, target.model_name)
        if Label.CANARY not in current:
            raise LabelError(f"{target.model_name} has no canary to promote; label one with "
                             f"`mlpipe canary VERSION`")
        version = current[Label.CANARY]
        evidence = gate(current.get(Label.STABLE, version), version) if gate else None
        return _change(store, pipeline_name, target, Action.PROMOTE, version,
                       {Label.STABLE: version, Label.CANARY: None}, 0.0, evidence)


def rollback(store: MetadataStore, pipeline_name: str, target: Target,
             to: int | None = None) -> LabelChange:
    """Points stable back to the version stable before the current one, or to `to`
    (which must have been stable once)."""
    with serving_config.locked(target.serving_dir):
        current = serving_config.labels(target.serving_dir, target.model_name)
        if Label.STABLE not in current:
            raise LabelError(f"nothing of {target.model_name} is stable: nothing to roll back")
        history = stable_history(store, pipeline_name)
        earlier = [v for v in history if v != current[Label.STABLE]]
        if to is not None and to not in earlier:
            raise LabelError(f"version {to} was never stable before (stable so far: "
                             f"{', '.join(map(str, history)) or 'none'}); roll back to one of those")
        if not earlier:
            raise LabelError(f"nothing to roll back to: version {current[Label.STABLE]} is the "
                             f"only version of {target.model_name} that was ever stable")
        version = to if to is not None else earlier[-1]
        percent = serving_config.canary_percent(target.serving_dir, target.model_name)
        return _change(store, pipeline_name, target, Action.ROLLBACK, version,
                       {Label.STABLE: version}, percent)
