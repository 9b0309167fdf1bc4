"""The eight components as KFP lightweight Python components.

Each is a thin shell around `pipeline.kubeflow.task.run_task`: the component's
real definition (parameters, executor) stays in the Python pipeline file, which
the container loads. Lightweight components are what `kfp.local`'s
SubprocessRunner executes, and on a cluster the same command runs in the
project image (no pip install at run time: `install_kfp_package=False`).
"""

import os

from kfp import dsl

IMAGE = os.environ.get("MLPIPE_IMAGE", "mlpipe:0.1.0")  # the Dockerfile at the top
_COMPONENT = dict(base_image=IMAGE, install_kfp_package=False)


@dsl.component(**_COMPONENT)
def example_gen(
        pipeline_ref: str, component_id: str, run_id: str, root: str, data_path: str,
        serving_dir: str, beam_args: list, examples: dsl.Output[dsl.Dataset]):
    from pipeline.kubeflow.task import run_task
    run_task(pipeline_ref, component_id, run_id,
             {"root": root, "data_path": data_path, "serving_dir": serving_dir}, beam_args, {},
             {"examples": examples.path})


@dsl.component(**_COMPONENT)
def statistics_gen(
        pipeline_ref: str, component_id: str, run_id: str, root: str, data_path: str,
        serving_dir: str, beam_args: list, examples: dsl.Input[dsl.Dataset],
        statistics: dsl.Output[dsl.Artifact]):
    from pipeline.kubeflow.task import run_task
    run_task(pipeline_ref, component_id, run_id,
             {"root": root, "data_path": data_path, "serving_dir": serving_dir}, beam_args,
             {"examples": examples.path}, {"statistics": statistics.path})


@dsl.component(**_COMPONENT)
def schema_gen(
        pipeline_ref: str, component_id: str, run_id: str, root: str, data_path: str,
        serving_dir: str, beam_args: list, statistics: dsl.Input[dsl.Artifact],
        schema: dsl.Output[dsl.Artifact]):
    from pipeline.kubeflow.task import run_task
    run_task(pipeline_ref, component_id, run_id,
             {"root": root, "data_path": data_path, "serving_dir": serving_dir}, beam_args,
             {"statistics": statistics.path}, {"schema": schema.path})


@dsl.component(**_COMPONENT)
def example_validator(
        pipeline_ref: str, component_id: str, run_id: str, root: str, data_path: str,
        serving_dir: str, beam_args: list, statistics: dsl.Input[dsl.Artifact],
        schema: dsl.Input[dsl.Artifact], anomalies: dsl.Output[dsl.Artifact]):
    from pipeline.kubeflow.task import run_task
    run_task(pipeline_ref, component_id, run_id,
             {"root": root, "data_path": data_path, "serving_dir": serving_dir}, beam_args,
             {"statistics": statistics.path, "schema": schema.path},
             {"anomalies": anomalies.path})


@dsl.component(**_COMPONENT)
def transform(
        pipeline_ref: str, component_id: str, run_id: str, root: str, data_path: str,
        serving_dir: str, beam_args: list, examples: dsl.Input[dsl.Dataset],
        schema: dsl.Input[dsl.Artifact], transform_graph: dsl.Output[dsl.Artifact],
        transformed_examples: dsl.Output[dsl.Dataset]):
    from pipeline.kubeflow.task import run_task
    run_task(pipeline_ref, component_id, run_id,
             {"root": root, "data_path": data_path, "serving_dir": serving_dir}, beam_args,
             {"examples": examples.path, "schema": schema.path},
             {"transform_graph": transform_graph.path,
              "transformed_examples": transformed_examples.path})


@dsl.component(**_COMPONENT)
def trainer(
        pipeline_ref: str, component_id: str, run_id: str, root: str, data_path: str,
        serving_dir: str, beam_args: list, examples: dsl.Input[dsl.Dataset],
        transform_graph: dsl.Input[dsl.Artifact], schema: dsl.Input[dsl.Artifact],
        model: dsl.Output[dsl.Model]):
    from pipeline.kubeflow.task import run_task
    run_task(pipeline_ref, component_id, run_id,
             {"root": root, "data_path": data_path, "serving_dir": serving_dir}, beam_args,
             {"examples": examples.path, "transform_graph": transform_graph.path,
              "schema": schema.path}, {"model": model.path})


@dsl.component(**_COMPONENT)
def evaluator(
        pipeline_ref: str, component_id: str, run_id: str, root: str, data_path: str,
        serving_dir: str, beam_args: list, examples: dsl.Input[dsl.Dataset],
        model: dsl.Input[dsl.Model], evaluation: dsl.Output[dsl.Artifact],
        blessing: dsl.Output[dsl.Artifact]):
    from pipeline.kubeflow.task import run_task
    run_task(pipeline_ref, component_id, run_id,
             {"root": root, "data_path": data_path, "serving_dir": serving_dir}, beam_args,
             {"examples": examples.path, "model": model.path},
             {"evaluation": evaluation.path, "blessing": blessing.path})


@dsl.component(**_COMPONENT)
def pusher(
        pipeline_ref: str, component_id: str, run_id: str, root: str, data_path: str,
        serving_dir: str, beam_args: list, model: dsl.Input[dsl.Model],
        model_blessing: dsl.Input[dsl.Artifact], pushed_model: dsl.Output[dsl.Artifact]):
    from pipeline.kubeflow.task import run_task
    run_task(pipeline_ref, component_id, run_id,
             {"root": root, "data_path": data_path, "serving_dir": serving_dir}, beam_args,
             {"model": model.path, "model_blessing": model_blessing.path},
             {"pushed_model": pushed_model.path})


BY_TYPE = {"ExampleGen": example_gen, "StatisticsGen": statistics_gen, "SchemaGen": schema_gen,
           "ExampleValidator": example_validator, "Transform": transform, "Trainer": trainer,
           "Evaluator": evaluator, "Pusher": pusher}
