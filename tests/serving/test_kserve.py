"""The labels of a real serving folder as a KServe InferenceService: each labelled
version gets a release (a TF Serving base path holding that version alone, hard
links to the pushed files), and the manifest names the release that rolls out
and the canary's share. Every manifest is checked against KServe's own API
types (tests/support/kserve_schema.py)."""
from __future__ import annotations

import os

import pytest

from pipeline.metadata import SqliteConfig
from pipeline.metadata.store import MetadataStore
from pipeline.serving import config as serving_config
from pipeline.serving import kserve, labelling
from pipeline.serving.labelling import Target
from pipeline.serving.labels import Label
from tests.support import kserve_schema
from tests.support.serving_folder import record_push

PIPELINE = "pipe"
V1, V2, V3 = 101, 102, 103
STORAGE = "pvc://mlpipe-data/models"


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> str:
    """A SavedModel with a serving signature (doubles its input)."""
    import tensorflow as tf

    class Double(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def serve(self, x):
            return {"y": 2.0 * x}

    folder = str(tmp_path_factory.mktemp("model") / "double")
    module = Double()
    tf.saved_model.save(module, folder, signatures={"serving_default": module.serve})
    return folder


@pytest.fixture
def serving(tmp_path, saved_model):
    store = MetadataStore(SqliteConfig(str(tmp_path / "metadata.sqlite")))
    target = Target(str(tmp_path / "serving"), "penguin")
    record_push(store, PIPELINE, target, V1, Label.STABLE, saved_model)
    record_push(store, PIPELINE, target, V2, Label.STABLE, saved_model)
    return store, target


def _manifest(target: Target, template: dict | None = None) -> dict:
    manifest = kserve.inference_service(template or kserve.default_template("penguin"),
                                        target.serving_dir, target.model_name, STORAGE)
    kserve_schema.validate(manifest)
    return manifest


def _predictor(manifest: dict) -> dict:
    return manifest["spec"]["predictor"]


def test_stable_only_rolls_out_stables_release_at_full_traffic(serving):
    _, target = serving
    manifest = _manifest(target)
    assert _predictor(manifest)["model"] == {"modelFormat": {"name": "tensorflow"},
                                             "storageUri": f"{STORAGE}/kserve/penguin/{V2}"}
    assert "canaryTrafficPercent" not in _predictor(manifest)
    assert manifest["metadata"]["annotations"] == {"mlpipe/stable-version": str(V2)}


def test_a_release_is_a_base_path_of_hard_links_that_loads(serving):
    import tensorflow as tf

    _, target = serving
    _manifest(target)
    release = kserve.release_path(target.serving_dir, "penguin", V2)
    assert os.listdir(release) == [str(V2)]  # TF Serving finds exactly this version
    pushed = os.path.join(target.serving_dir, "penguin", str(V2), "saved_model.pb")
    released = os.path.join(release, str(V2), "saved_model.pb")
    assert os.stat(pushed).st_ino == os.stat(released).st_ino  # linked, not copied
    model = tf.saved_model.load(os.path.join(release, str(V2)))
    assert model.signatures["serving_default"](tf.constant([1.5]))["y"].numpy().tolist() == [3.0]
    again = kserve.release(target.serving_dir, "penguin", V2)  # published once
    assert again == release and os.listdir(release) == [str(V2)]


def test_canary_promote_and_rollback_follow_the_labels(serving):
    store, target = serving
    record_push(store, PIPELINE, target, V3, Label.STABLE, None)  # a folder, no SavedModel
    labelling.rollback(store, PIPELINE, target)  # V3 was never a model: back to V2
    labelling.canary(store, PIPELINE, target, V1, 12.5)
    canary = _manifest(target)
    assert _predictor(canary)["model"]["storageUri"].endswith(f"/kserve/penguin/{V1}")
    assert _predictor(canary)["canaryTrafficPercent"] == 12  # KServe takes whole percents
    assert canary["metadata"]["annotations"] == {"mlpipe/stable-version": str(V2),
                                                 "mlpipe/canary-version": str(V1)}
    # Both releases exist: KServe keeps serving stable's revision beside the canary's.
    assert sorted(os.listdir(os.path.join(target.serving_dir, "kserve", "penguin"))) == [
        str(V1), str(V2)]
    labelling.promote(store, PIPELINE, target)
    promoted = _manifest(target, canary)  # last applied manifest as the template
    assert _predictor(promoted)["model"]["storageUri"].endswith(f"/kserve/penguin/{V1}")
    assert "canaryTrafficPercent" not in _predictor(promoted)
    assert promoted["metadata"]["annotations"] == {"mlpipe/stable-version": str(V1)}
    labelling.rollback(store, PIPELINE, target)
    assert _predictor(_manifest(target))["model"]["storageUri"].endswith(f"/kserve/penguin/{V2}")


def test_a_template_keeps_its_own_fields(serving):
    _, target = serving
    template = {"apiVersion": kserve.API_VERSION, "kind": kserve.KIND,
                "metadata": {"name": "penguin", "namespace": "ml"},
                "spec": {"predictor": {"serviceAccountName": "mlpipe", "canaryTrafficPercent": 5,
                                       "model": {"modelFormat": {"name": "tensorflow"},
                                                 "runtimeVersion": "2.16.1"}}}}
    picked = kserve.pick_template([{"kind": "Namespace"}, template], "penguin")
    manifest = _manifest(target, picked)
    assert manifest["metadata"]["namespace"] == "ml"
    assert _predictor(manifest)["serviceAccountName"] == "mlpipe"
    assert _predictor(manifest)["model"]["runtimeVersion"] == "2.16.1"
    assert "canaryTrafficPercent" not in _predictor(manifest)  # no canary: stable at 100%
    assert template["spec"]["predictor"]["canaryTrafficPercent"] == 5  # the template unchanged


def test_a_template_without_exactly_one_inference_service_is_refused():
    service = lambda name: {"kind": kserve.KIND, "metadata": {"name": name}}
    with pytest.raises(kserve.KServeError, match="no InferenceService"):
        kserve.pick_template([{"kind": "Namespace"}], "penguin")
    with pytest.raises(kserve.KServeError, match="2 InferenceServices and 0 named 'penguin'"):
        kserve.pick_template([service("a"), service("b")], "penguin")
    assert kserve.pick_template([service("a"), service("penguin")], "penguin")["metadata"] == {
        "name": "penguin"}


def test_nothing_stable_is_refused_and_publishes_nothing(tmp_path, saved_model):
    store = MetadataStore(SqliteConfig(str(tmp_path / "metadata.sqlite")))
    target = Target(str(tmp_path / "serving"), "penguin")
    record_push(store, PIPELINE, target, V1, Label.CANARY, saved_model)
    with pytest.raises(kserve.KServeError, match="no version of 'penguin' is labelled stable"):
        _manifest(target)
    assert not os.path.exists(os.path.join(target.serving_dir, "kserve"))


def test_a_version_without_a_saved_model_is_not_released(tmp_path):
    store = MetadataStore(SqliteConfig(str(tmp_path / "metadata.sqlite")))
    target = Target(str(tmp_path / "serving"), "penguin")
    record_push(store, PIPELINE, target, V1, Label.STABLE, None)
    with pytest.raises(kserve.KServeError, match=f"version {V1} of 'penguin' has no SavedModel"):
        _manifest(target)
    assert serving_config.labels(target.serving_dir, "penguin") == {Label.STABLE: V1}
