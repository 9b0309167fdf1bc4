"""canary, promote and rollback on a real SQLite store and serving folder: three
pushes recorded as Pusher records them (v1 stable, then v2, then v3 as canary);
each change moves the labels in models.config and is a LabelChange execution
with the labels before and after; changes that make no sense leave both alone."""
from __future__ import annotations

import os

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from pipeline.serving import config as serving_config
from pipeline.serving import labelling
from pipeline.serving.labelling import LabelError, Target
from pipeline.serving.labels import Label
from pipeline.serving.history_of_labels import served_intervals
from tests.support.serving_folder import record_push

PIPELINE = "pipe"
V1, V2, V3 = 101, 102, 103


def _push(store: MetadataStore, target: Target, version: int, label: Label) -> None:
    record_push(store, PIPELINE, target, version, label)


@pytest.fixture
def serving(tmp_path):
    store = MetadataStore(SqliteConfig(str(tmp_path / "metadata.sqlite")))
    target = Target(str(tmp_path / "serving"), "penguin")
    _push(store, target, V1, Label.STABLE)
    _push(store, target, V2, Label.STABLE)
    _push(store, target, V3, Label.CANARY)
    return store, target


def _labels(target: Target) -> dict[Label, int]:
    return serving_config.labels(target.serving_dir, target.model_name)


def test_promote_then_rollback_twice_walks_the_stable_history(serving):
    store, target = serving
    assert _labels(target) == {Label.STABLE: V2, Label.CANARY: V3}
    promoted = labelling.promote(store, PIPELINE, target)
    assert _labels(target) == {Label.STABLE: V3}
    assert promoted.describe() == f"promote: canary {V3}, stable {V2} -> stable {V3}"
    labelling.rollback(store, PIPELINE, target)
    assert _labels(target) == {Label.STABLE: V2}
    labelling.rollback(store, PIPELINE, target, to=V1)
    assert _labels(target) == {Label.STABLE: V1}
    assert labelling.stable_history(store, PIPELINE) == [V1, V2, V3, V2, V1]
    served = served_intervals(store, PIPELINE)
    assert [(i["label"], i["by"]) for i in served[V3]] == [("canary", f"push {V3}"),
                                                           ("stable", f"promote {V3}")]
    assert served[V3][0]["until"] is not None and served[V3][1]["until"] is not None
    assert [(i["label"], i["by"], i["until"] is None) for i in served[V1]] == [
        ("stable", f"push {V1}", False), ("stable", f"rollback {V1}", True)]
    assert [i["by"] for i in served[V2]] == [f"push {V2}", f"rollback {V2}"]


def test_each_change_is_recorded_with_the_labels_before_and_after(serving):
    store, target = serving
    change = labelling.canary(store, PIPELINE, target, V1, 25)
    assert serving_config.canary_percent(target.serving_dir, "penguin") == 25
    [execution] = store.raw.get_executions_by_id([change.execution_id])
    props = {k: v.int_value or v.string_value or v.double_value
             for k, v in execution.custom_properties.items()}
    assert execution.last_known_state == pb.Execution.COMPLETE
    assert (props["action"], props["before_canary"], props["after_canary"]) == ("canary", V3, V1)
    assert (props["before_stable"], props["after_stable"], props["canary_percent"]) == (V2, V2, 25)
    [event] = store.raw.get_events_by_execution_ids([change.execution_id])
    labelled = store.artifact(event.artifact_id)
    assert event.type == pb.Event.INPUT and labelled.version == str(V1)


@pytest.mark.parametrize("change, message", [
    (lambda s, t: labelling.canary(s, PIPELINE, t, 999, 10), "version 999 of 'pipe' was never pushed"),
    (lambda s, t: labelling.canary(s, PIPELINE, t, V2, 10), f"version {V2} is already stable"),
    (lambda s, t: labelling.canary(s, PIPELINE, t, V1, 100), "must be between 0 and 100"),
    (lambda s, t: labelling.rollback(s, PIPELINE, t, to=V3), f"version {V3} was never stable"),
])
def test_changes_that_make_no_sense_change_nothing(serving, change, message):
    store, target = serving
    config_before = open(serving_config.config_path(target.serving_dir)).read()
    with pytest.raises(LabelError, match=message):
        change(store, target)
    assert open(serving_config.config_path(target.serving_dir)).read() == config_before
    assert not store.raw.get_executions_by_type(labelling.CHANGE_TYPE)


def test_promote_without_a_canary_and_rollback_with_no_earlier_stable_are_refused(tmp_path):
    store = MetadataStore(SqliteConfig(str(tmp_path / "metadata.sqlite")))
    target = Target(str(tmp_path / "serving"), "penguin")
    _push(store, target, V1, Label.STABLE)
    with pytest.raises(LabelError, match="penguin has no canary to promote"):
        labelling.promote(store, PIPELINE, target)
    with pytest.raises(LabelError, match=f"nothing to roll back to: version {V1} is the only"):
        labelling.rollback(store, PIPELINE, target)


def test_a_version_whose_folder_is_gone_cannot_serve(serving):
    store, target = serving
    os.rename(os.path.join(target.serving_dir, "penguin", str(V1)),
              os.path.join(target.serving_dir, "penguin", "gone"))
    with pytest.raises(LabelError, match=f"version {V1}'s folder .* is gone"):
        labelling.rollback(store, PIPELINE, target, to=V1)


def test_a_corrupt_config_is_reported_and_left_alone(serving):
    store, target = serving
    with open(serving_config.config_path(target.serving_dir), "w") as handle:
        handle.write("model_config_list {")
    with pytest.raises(serving_config.ServingConfigError, match="is not a TF Serving model config"):
        labelling.promote(store, PIPELINE, target)
    assert open(serving_config.config_path(target.serving_dir)).read() == "model_config_list {"
