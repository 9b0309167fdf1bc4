"""Trainer executor: calls run_fn and checks it exported a SavedModel."""
from __future__ import annotations

from components.common import splits
from components.common.module_file import file_sha256, load_function
from components.common.autograph import exempt_libraries
from components.trainer.component import TrainerInputs, TrainerOutputs, TrainerParams
from components.trainer.fn_args import FnArgs
from pipeline import fs
from pipeline.dsl import ComponentError, ExecutionContext, ExecutorOutcome


def execute(inputs: TrainerInputs, outputs: TrainerOutputs, params: TrainerParams,
            context: ExecutionContext) -> ExecutorOutcome:
    exempt_libraries()
    run_fn = load_function(params.module_file, params.run_fn)
    fn_args = FnArgs(
        train_files=splits.record_files(inputs.examples.uri, splits.TRAIN),
        eval_files=splits.record_files(inputs.examples.uri, splits.EVAL),
        examples_transformed=bool(inputs.examples.get(splits.TRANSFORMED_PROPERTY, 0)),
        transform_output=inputs.transform_graph.uri,
        schema_path=inputs.schema.schema_file,
        serving_model_dir=outputs.model.serving_model_uri,
        model_run_dir=fs.join(outputs.model.uri, "logs"),
        train_steps=params.train_steps, eval_steps=params.eval_steps,
        hyperparameters=dict(params.hyperparameters))
    run_fn(fn_args)
    if not fs.isfile(fs.join(fn_args.serving_model_dir, "saved_model.pb")):
        raise ComponentError(f"{params.module_file}: {params.run_fn} returned without saving a "
                             f"SavedModel to fn_args.serving_model_dir ({fn_args.serving_model_dir})")
    outputs.model.set("module_sha256", file_sha256(params.module_file))
    return ExecutorOutcome(summary=f"SavedModel exported ({params.train_steps} train steps)")
