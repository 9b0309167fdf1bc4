"""Each push's semantic version (MAJOR on a schema change, MINOR on new data,
PIPELINE when only the pipeline changed) and its label in the serving folder's
models.config, which TF Serving's own protos parse; a corrupt config pushes
nothing; a rolled-back version gives the stable label back."""
from __future__ import annotations

import os

import pytest
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from components.pusher.component import PusherInputs, PusherOutputs, PusherParams
from components.pusher.executor import execute
from pipeline.dsl import ComponentError, Examples, PushedModel, Schema
from pipeline.serving import config as serving_config
from pipeline.serving.labels import Label
from tests.components.pusher.test_executor import _blessing, _model
from tests.conftest import out_dir

SCHEMA = 'feature {{ name: "species" type: BYTES not_in_environment: "SERVING" }}\n' \
         'feature {{ name: "body_mass_g" type: {mass_type} }}\n{extra}'


def _schema(tmp_path, name: str, mass_type: str = "INT", extra: str = "") -> Schema:
    schema = Schema(uri=out_dir(tmp_path, f"schema-{name}"))
    with open(schema.schema_file, "w") as handle:
        handle.write(SCHEMA.format(mass_type=mass_type, extra=extra))
    return schema


def _examples(fingerprint: str) -> Examples:
    examples = Examples(uri="/unused")
    examples.set("input_fingerprint", fingerprint)
    return examples


class Pushes:
    def __init__(self, tmp_path):
        self.tmp, self.count = tmp_path, 0
        self.serving = str(tmp_path / "serving")
        self.model = _model(tmp_path)

    def push(self, schema: Schema, data: str, deploy_as: Label = Label.STABLE) -> PushedModel:
        from tests.conftest import context

        self.count += 1
        pushed = PushedModel(uri=str(self.tmp / f"pushed-{self.count}"))
        execute(PusherInputs(self.model, _blessing(self.tmp, True), schema, _examples(data)),
                PusherOutputs(pushed), PusherParams(self.serving, "penguin", deploy_as),
                context(self.tmp))
        return pushed


def test_versions_bump_by_what_changed(tmp_path):
    pushes = Pushes(tmp_path)
    schema = _schema(tmp_path, "v1")
    seen = [pushes.push(schema, "data-1"), pushes.push(schema, "data-1"),
            pushes.push(schema, "data-2"), pushes.push(_schema(tmp_path, "float", "FLOAT"), "data-2"),
            pushes.push(_schema(tmp_path, "more", "FLOAT", 'feature { name: "year" type: INT }'),
                        "data-3")]
    assert [p.get("semantic_version") for p in seen] == ["1.0.0", "1.0.1", "1.1.0", "2.0.0",
                                                         "3.0.0"]
    assert [p.get("version_bump") for p in seen] == ["first", "pipeline", "minor", "major", "major"]
    assert seen[3].get("version_reason") == "schema changed: changed type or label role of body_mass_g"
    assert seen[4].get("version_reason") == "schema changed: added year"
    assert int(seen[4].get("pushed_version")) > int(seen[0].get("pushed_version"))


def test_models_config_labels_the_new_version_and_parses_with_tf_servings_protos(tmp_path):
    pushes = Pushes(tmp_path)
    schema = _schema(tmp_path, "v1")
    first = pushes.push(schema, "data-1", Label.CANARY)  # nothing stable yet: stable
    second = pushes.push(schema, "data-2", Label.CANARY)
    assert (first.get("label"), second.get("label")) == ("stable", "canary")
    text = open(os.path.join(pushes.serving, "models.config")).read()
    config = text_format.Parse(text, model_server_config_pb2.ModelServerConfig())
    [entry] = config.model_config_list.config
    versions = [int(first.get("pushed_version")), int(second.get("pushed_version"))]
    assert (entry.name, entry.model_platform) == ("penguin", "tensorflow")
    assert entry.base_path == os.path.join(pushes.serving, "penguin")
    assert list(entry.model_version_policy.specific.versions) == versions
    assert dict(entry.version_labels) == {"stable": versions[0], "canary": versions[1]}
    third = pushes.push(schema, "data-3")
    assert third.get("previous_stable") == versions[0]
    assert serving_config.labels(pushes.serving, "penguin") == {
        Label.STABLE: int(third.get("pushed_version")), Label.CANARY: versions[1]}


def test_a_corrupt_config_pushes_nothing_and_is_left_as_it_is(tmp_path):
    pushes = Pushes(tmp_path)
    pushes.push(_schema(tmp_path, "v1"), "data-1")
    path = os.path.join(pushes.serving, "models.config")
    with open(path, "w") as handle:
        handle.write("model_config_list { config { name: ")
    folders = sorted(os.listdir(os.path.join(pushes.serving, "penguin")))
    with pytest.raises(ComponentError, match="models.config is not a TF Serving model config"):
        pushes.push(_schema(tmp_path, "v1"), "data-2")
    assert sorted(os.listdir(os.path.join(pushes.serving, "penguin"))) == folders
    assert open(path).read() == "model_config_list { config { name: "


def test_a_rolled_back_version_gives_the_stable_label_back(tmp_path):
    pushes = Pushes(tmp_path)
    schema = _schema(tmp_path, "v1")
    kept = int(pushes.push(schema, "data-1").get("pushed_version"))
    rolled_back = pushes.push(schema, "data-2").get("pushed_destination")
    os.rename(rolled_back, rolled_back + "-gone")  # as recovery removes it
    serving_config.forget_version(rolled_back)
    assert serving_config.labels(pushes.serving, "penguin") == {Label.STABLE: kept}
    assert pushes.push(schema, "data-3").get("semantic_version") == "1.1.0"  # after 1.0.0


def test_an_unknown_label_is_refused_with_the_choices():
    from components.pusher.component import Pusher

    with pytest.raises(ValueError, match="deploy_as='blue': expected one of 'stable', 'canary'"):
        Pusher(None, None, serving_dir="/srv", model_name="m", deploy_as="blue")
