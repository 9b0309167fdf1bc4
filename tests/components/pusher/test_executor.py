"""Pusher: only blessed models, into <serving_dir>/<name>/<version>/, never half-copied."""
from __future__ import annotations

import os

import pytest

from components.pusher.component import PusherInputs, PusherOutputs, PusherParams
from components.pusher.executor import execute
from pipeline.dsl import ComponentError, Model, ModelBlessing, PushedModel
from tests.conftest import context, out_dir


def _model(tmp_path) -> Model:
    model = Model(uri=out_dir(tmp_path, "model"), id=7)
    os.makedirs(f"{model.uri}/Format-Serving/variables")
    with open(f"{model.uri}/Format-Serving/saved_model.pb", "wb") as handle:
        handle.write(b"\x08\x01")
    return model


def _blessing(tmp_path, blessed: bool, model_id: int = 7) -> ModelBlessing:
    blessing = ModelBlessing(uri=out_dir(tmp_path, f"blessing-{blessed}"), id=8)
    open(os.path.join(blessing.uri, ModelBlessing.BLESSED_FILE if blessed else ModelBlessing.NOT_BLESSED_FILE), "w").close()
    blessing.set("blessed", int(blessed))
    blessing.set("current_model_id", model_id)
    blessing.set("reason", "accuracy 0.5 below 0.9" if not blessed else "ok")
    return blessing


def _push(tmp_path, blessing, name="pushed") -> PushedModel:
    pushed = PushedModel(uri=str(tmp_path / name))
    execute(PusherInputs(_model(tmp_path) if not (tmp_path / "model").exists()
                         else Model(uri=str(tmp_path / "model"), id=7), blessing),
            PusherOutputs(pushed), PusherParams(str(tmp_path / "serving"), "penguin"),
            context(tmp_path))
    return pushed


def test_blessed_model_is_pushed_under_increasing_versions(tmp_path):
    first = _push(tmp_path, _blessing(tmp_path, True), "p1")
    second = _push(tmp_path, _blessing(tmp_path, True), "p2")
    assert first.get("pushed") == 1
    assert int(second.get("pushed_version")) > int(first.get("pushed_version"))
    versions = [n for n in os.listdir(tmp_path / "serving" / "penguin") if n.isdigit()]
    assert sorted(versions) == sorted([str(first.get("pushed_version")), str(second.get("pushed_version"))])
    assert os.path.isfile(os.path.join(str(first.get("pushed_destination")), "saved_model.pb"))


def test_unblessed_model_is_never_pushed(tmp_path):
    pushed = _push(tmp_path, _blessing(tmp_path, False))
    assert pushed.get("pushed") == 0
    assert "below 0.9" in pushed.get("reason")
    assert not (tmp_path / "serving").exists()


def test_blessing_of_another_model_is_refused(tmp_path):
    with pytest.raises(ComponentError, match="blessing #8 is for model #99, not for model #7"):
        _push(tmp_path, _blessing(tmp_path, True, model_id=99))
