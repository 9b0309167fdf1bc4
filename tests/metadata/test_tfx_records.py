"""ML Metadata records TFX 1.16 can read: this project's records read back the way
TFX's artifact classes and path helpers read them, and a store TFX wrote read by
this project's commands.

TFX cannot be a dependency here (it declares Python < 3.11), so its reading rules
are restated below from its source (tfx/types/standard_artifacts.py,
standard_artifact_utils.py, artifact_utils.py, io_utils.py, path_utils.py,
model_utils.py). With MLPIPE_TFX_PYTHON naming a Python that has tfx==1.16.0
(`pip install --ignore-requires-python tfx==1.16.0` in a separate venv), the
same store is also read through TFX's own code (tests/support/tfx_reader.py).
"""
from __future__ import annotations

import glob
import json
import os
import subprocess

import pytest
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb


pytestmark = pytest.mark.slow

# tfx.types.standard_artifacts: TYPE_NAME, PROPERTIES and the MLMD base type. TFX maps a
# stored type to its class only when name and property map match exactly.
TFX_TYPES = {
    "Examples": ({"span": pb.INT, "version": pb.INT, "split_names": pb.STRING}, "DATASET"),
    "ExampleStatistics": ({"span": pb.INT, "split_names": pb.STRING}, "STATISTICS"),
    "ExampleAnomalies": ({"span": pb.INT, "split_names": pb.STRING}, None),
    "Schema": ({}, None), "TransformGraph": ({}, None), "Model": ({}, "MODEL"),
    "ModelEvaluation": ({}, None), "ModelBlessing": ({}, None), "PushedModel": ({}, "MODEL"),
}


def _custom(artifact: pb.Artifact, name: str, kind: str):
    """TFX's get_int/get_string_custom_property: the typed field, or its zero value."""
    return getattr(artifact.custom_properties[name], kind) if name in artifact.custom_properties \
        else {"int_value": 0, "string_value": ""}[kind]


def _older_than_0_29(artifact: pb.Artifact) -> bool:
    """artifact_utils.is_artifact_version_older_than(artifact, '0.29.0.dev')."""
    version = _custom(artifact, "tfx_version", "string_value")
    if not version:
        return True
    return tuple(int(p) for p in version.split(".")[:2]) < (0, 29)


@pytest.fixture(scope="module")
def raw(penguin_runs):
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = os.path.join(penguin_runs.root, "metadata.sqlite")
    return metadata_store.MetadataStore(config)


def _by_type(raw) -> dict[str, list[pb.Artifact]]:
    names = {t.id: t.name for t in raw.get_artifact_types()}
    found: dict[str, list[pb.Artifact]] = {}
    for artifact in raw.get_artifacts():
        if artifact.state == pb.Artifact.LIVE:
            found.setdefault(names[artifact.type_id], []).append(artifact)
    return found


def test_artifact_types_are_registered_exactly_as_tfx_registers_them(raw):
    for name, (properties, base_type) in TFX_TYPES.items():
        stored = raw.get_artifact_type(name)
        assert dict(stored.properties) == properties, name
        expected = pb.ArtifactType.SystemDefinedBaseType.Value(base_type) if base_type else 0
        assert stored.base_type == expected, name


def test_every_artifact_is_current_layout_and_split_names_decode(raw):
    by_type = _by_type(raw)
    assert set(TFX_TYPES) <= set(by_type)
    for type_name, artifacts in by_type.items():
        for artifact in artifacts:
            assert not _older_than_0_29(artifact), f"{type_name}#{artifact.id}"
            assert artifact.custom_properties["is_external"].int_value == 0
            if "split_names" in TFX_TYPES[type_name][0]:
                splits = json.loads(artifact.properties["split_names"].string_value)
                assert splits and all(os.path.isdir(f"{artifact.uri}/Split-{s}") for s in splits)


def test_files_are_where_tfx_path_helpers_look(raw):
    by_type = _by_type(raw)
    for examples in by_type["Examples"]:
        for split in json.loads(examples.properties["split_names"].string_value):
            assert glob.glob(f"{examples.uri}/Split-{split}/*.gz")
    for raw_examples in [a for a in by_type["Examples"] if "file_format" in a.custom_properties]:
        assert _custom(raw_examples, "payload_format", "string_value") == "FORMAT_TF_EXAMPLE"
        assert raw_examples.custom_properties["span"].int_value == raw_examples.properties["span"].int_value
    for statistics in by_type["ExampleStatistics"]:
        for split in json.loads(statistics.properties["split_names"].string_value):
            assert os.path.isfile(f"{statistics.uri}/Split-{split}/FeatureStats.pb")
    for anomalies in by_type["ExampleAnomalies"]:
        for split in json.loads(anomalies.properties["split_names"].string_value):
            # io_utils.get_only_uri_in_dir: exactly one file
            assert os.listdir(f"{anomalies.uri}/Split-{split}") == ["SchemaDiff.pb"]
    for schema in by_type["Schema"]:
        assert os.listdir(schema.uri) == ["schema.pbtxt"]
    for model in by_type["Model"]:  # path_utils.serving_model_path
        assert os.path.isfile(f"{model.uri}/Format-Serving/saved_model.pb")


def test_blessings_and_pushes_read_as_tfx_reads_them(raw):
    by_type = _by_type(raw)
    models = {m.id: m for m in by_type["Model"]}
    for blessing in by_type["ModelBlessing"]:
        blessed = _custom(blessing, "blessed", "int_value")  # model_utils.is_model_blessed
        assert os.path.isfile(f"{blessing.uri}/{'BLESSED' if blessed == 1 else 'NOT_BLESSED'}")
        model = models[_custom(blessing, "current_model_id", "int_value")]
        assert _custom(blessing, "current_model", "string_value") == model.uri
    pushed = [p for p in by_type["PushedModel"] if _custom(p, "pushed", "int_value") == 1]
    assert pushed
    for push in pushed:
        assert _custom(push, "pushed_version", "string_value").isdigit()
        assert os.path.isfile(os.path.join(push.uri, "saved_model.pb"))  # TFX copies it flat
        destination = _custom(push, "pushed_destination", "string_value")
        assert os.path.isfile(os.path.join(destination, "saved_model.pb"))


def test_runs_belong_to_their_pipeline_context(raw, penguin_runs):
    [pipeline_context] = raw.get_contexts_by_type("pipeline")
    for run in raw.get_contexts_by_type("pipeline_run"):
        assert [p.id for p in raw.get_parent_contexts_by_context(run.id)] == [pipeline_context.id]


@pytest.mark.skipif(not os.environ.get("MLPIPE_TFX_PYTHON"),
                    reason="set MLPIPE_TFX_PYTHON to a Python with tfx==1.16.0 installed")
def test_tfx_itself_reads_the_store(penguin_runs):
    reader = os.path.join(os.path.dirname(__file__), "..", "support", "tfx_reader.py")
    completed = subprocess.run(
        [os.environ["MLPIPE_TFX_PYTHON"], reader, os.path.join(penguin_runs.root, "metadata.sqlite")],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "TF_USE_LEGACY_KERAS": "1"})
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
