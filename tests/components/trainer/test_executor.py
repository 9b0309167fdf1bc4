"""Trainer: a run_fn that exports nothing is an error naming the module file."""
from __future__ import annotations

import pytest

from components.trainer.component import TrainerInputs, TrainerOutputs, TrainerParams
from components.trainer.executor import execute
from components.common.splits import TRANSFORMED_PROPERTY
from pipeline.dsl import ComponentError, Examples, Model, TransformGraph
from tests.conftest import context, out_dir


def _inputs(tmp_path, penguin_artifacts) -> TrainerInputs:
    return TrainerInputs(penguin_artifacts["examples"], TransformGraph(uri=str(tmp_path)),
                         penguin_artifacts["schema"])


def test_run_fn_must_export_a_saved_model(tmp_path, penguin_artifacts):
    module = tmp_path / "lazy_module.py"
    module.write_text("seen = []\ndef run_fn(fn_args):\n    seen.append(fn_args)\n")
    with pytest.raises(ComponentError, match="lazy_module.py: run_fn returned without saving"):
        execute(_inputs(tmp_path, penguin_artifacts), TrainerOutputs(Model(uri=out_dir(tmp_path, "m"))),
                TrainerParams(str(module), train_steps=3), context(tmp_path))


def test_missing_run_fn_is_named(tmp_path, penguin_artifacts):
    module = tmp_path / "empty_module.py"
    module.write_text("x = 1\n")
    with pytest.raises(ComponentError, match="defines no function 'run_fn'"):
        execute(_inputs(tmp_path, penguin_artifacts), TrainerOutputs(Model(uri=out_dir(tmp_path, "m"))),
                TrainerParams(str(module)), context(tmp_path))


@pytest.mark.parametrize("transformed", [True, False])
def test_run_fn_is_told_whether_its_examples_are_transformed(tmp_path, penguin_artifacts,
                                                             transformed):
    examples = Examples(uri=penguin_artifacts["examples"].uri)
    examples.split_names = ["train", "eval"]
    if transformed:
        examples.set(TRANSFORMED_PROPERTY, 1)
    module = tmp_path / "telling_module.py"
    module.write_text("import os\ndef run_fn(fn_args):\n"
                      "    os.makedirs(fn_args.serving_model_dir)\n"
                      "    open(os.path.join(fn_args.serving_model_dir, 'saved_model.pb'), 'w')"
                      ".write(str(fn_args.examples_transformed))\n")
    model = Model(uri=out_dir(tmp_path, "m"))
    execute(TrainerInputs(examples, TransformGraph(uri=str(tmp_path)), penguin_artifacts["schema"]),
            TrainerOutputs(model), TrainerParams(str(module)), context(tmp_path))
    with open(f"{model.serving_model_uri}/saved_model.pb") as told:
        assert told.read() == str(transformed)
