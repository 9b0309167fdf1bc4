#!/usr/bin/env python
"""TFX 1.16's LocalDagRunner on the penguin pipeline: the same-run TFX baseline of
benchmarks/run_benchmark.py.

It runs TFX's equivalent of mlpipe's default penguin pipeline
(pipeline/examples/penguin/pipeline.py), with the same settings:

    CsvExampleGen (4:1 hash split train:eval) -> StatisticsGen
    -> ImportSchemaGen (schemas/penguin/schema.pbtxt) -> ExampleValidator
    -> Transform -> Trainer (400 steps, 5 eval steps) -> Evaluator -> Pusher

The Evaluator computes ExampleCount, SparseCategoricalCrossentropy and
SparseCategoricalAccuracy overall and per island, and blesses a model whose overall
accuracy is at least 0.9 and no lower than the newest blessed model's (found by
TFX's LatestBlessedModelStrategy). Transform's and Trainer's code is
tfx_penguin_module.py beside this file: mlpipe's penguin model as a TFX module file.
Beam runs in memory with one worker, as in mlpipe. ML Metadata is SQLite, at
ROOT/metadata.sqlite.

TFX is not an mlpipe dependency: it only installs on Python 3.11 with
--ignore-requires-python, so it gets a venv of its own, outside the repository,
with mlpipe's pins where TFX accepts them (it needs kubernetes<27 and scipy<1.13):

    python3.11 -m venv /work/tfx-venv
    grep -vE '^(kubernetes|scipy)==' constraints.txt > /tmp/tfx-constraints.txt
    /work/tfx-venv/bin/pip install --ignore-requires-python -c /tmp/tfx-constraints.txt tfx==1.16.0

Then (TF_USE_LEGACY_KERAS=1 is set here when unset: tf-keras, Keras 2):

    /work/tfx-venv/bin/python benchmarks/tfx_penguin.py --data penguins.csv --root /tmp/tfx-root

TFX's CsvExampleGen reads every file of a folder and has no notation for missing
values: "NA" would make a numeric column a string one. So the CSV (or each CSV
of a folder) is first copied to ROOT/data with "NA" fields left empty; that step
is timed on its own and is not part of the pipeline's time. The figures printed
at the end (and written with --json) are: seconds to import TFX, to prepare the
data and to run the pipeline; per component, the seconds between its execution's
creation and last update in ML Metadata; whether the model was blessed and pushed.
The exit status is 1 if the model was not pushed.

Where TFX differs from mlpipe here: CsvExampleGen writes a missing value as an
empty feature, which ExampleValidator reports as a "Missing values" anomaly (TFX
records anomalies and runs on; mlpipe's schema-valid examples have none). TFX's
Evaluator has no serving latency and size gates. TFX packages the module file's
folder as a wheel and pip-installs it for Transform (3 times) and Trainer, about
1 s each.
"""
from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tensorflow-transform needs Keras 2

import tensorflow_model_analysis as tfma  # noqa: E402
from ml_metadata import metadata_store  # noqa: E402
from ml_metadata.proto import metadata_store_pb2  # noqa: E402
from tensorflow_metadata.proto.v0 import anomalies_pb2  # noqa: E402
from tfx import v1 as tfx  # noqa: E402

IMPORTED = time.perf_counter()

HERE = Path(__file__).resolve().parent
MODULE_FILE = str(HERE / "tfx_penguin_module.py")
SCHEMA_FILE = str(HERE.parent / "schemas" / "penguin" / "schema.pbtxt")
NAME = "penguin"
LABEL_KEY = "species_xf"
ACCURACY_THRESHOLD = 0.9
# mlpipe's defaults (pipeline/dsl/context.py): DirectRunner, in memory, one worker
BEAM_ARGS = ["--runner=DirectRunner", "--direct_running_mode=in_memory",
             "--direct_num_workers=1"]
MISSING = "NA"


def prepare_data(source: Path, target_dir: Path) -> int:
    """Copies the CSV file (or every *.csv of a folder) into `target_dir` with the
    "NA" fields left empty, which CsvExampleGen reads as missing; returns the rows.
    An existing copy is kept, so that a rerun on the same root is a cached one."""
    files = sorted(source.glob("*.csv")) if source.is_dir() else [source]
    if not files:
        raise SystemExit(f"no CSV file in {source}")
    target_dir.mkdir(parents=True, exist_ok=True)
    rows = 0
    for file in files:
        target = target_dir / file.name
        if target.exists():
            continue
        with open(file, newline="") as f, open(target, "w", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            for i, row in enumerate(csv.reader(f)):
                writer.writerow(["" if cell == MISSING else cell for cell in row])
                rows += i > 0
    return rows


def eval_config() -> tfma.EvalConfig:
    """mlpipe's penguin Evaluator: the accuracy gates apply to the overall slice only."""
    threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": ACCURACY_THRESHOLD}),
        # TFMA's absolute change bound is strict: -1e-10 admits a tie. Dropped by TFX
        # when no blessed model is there to compare with (a cold run).
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={"value": -1e-10}))
    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(signature_name="serving_default", label_key=LABEL_KEY,
                                    preprocessing_function_names=["transform_features"],
                                    model_type="tf_generic")],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["island"])],
        metrics_specs=[tfma.MetricsSpec(metrics=[
            tfma.MetricConfig(class_name="SparseCategoricalCrossentropy"),
            tfma.MetricConfig(class_name="SparseCategoricalAccuracy", per_slice_thresholds=[
                tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()],
                                             threshold=threshold)]),
            tfma.MetricConfig(class_name="ExampleCount")])])


def create_pipeline(data_dir: str, root: str, train_steps: int,
                    beam_args: list[str]) -> tfx.dsl.Pipeline:
    example_gen = tfx.components.CsvExampleGen(
        input_base=data_dir,
        output_config=tfx.proto.Output(split_config=tfx.proto.SplitConfig(splits=[
            tfx.proto.SplitConfig.Split(name="train", hash_buckets=4),
            tfx.proto.SplitConfig.Split(name="eval", hash_buckets=1)])))
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = tfx.components.ImportSchemaGen(schema_file=SCHEMA_FILE)
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"])
    transform = tfx.components.Transform(
        examples=example_gen.outputs["examples"], schema=schema_gen.outputs["schema"],
        module_file=MODULE_FILE)
    trainer = tfx.components.Trainer(
        module_file=MODULE_FILE,
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        train_args=tfx.proto.TrainArgs(num_steps=train_steps),
        eval_args=tfx.proto.EvalArgs(num_steps=5),
        custom_config={"hidden_units": 8, "learning_rate": 0.01, "seed": 42, "batch_size": 32})
    model_resolver = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
    ).with_id("latest_blessed_model_resolver")
    evaluator = tfx.components.Evaluator(
        examples=example_gen.outputs["examples"], model=trainer.outputs["model"],
        baseline_model=model_resolver.outputs["model"], eval_config=eval_config())
    pusher = tfx.components.Pusher(
        model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=os.path.join(root, "serving_model", NAME))))
    return tfx.dsl.Pipeline(
        pipeline_name=NAME, pipeline_root=root,
        components=[example_gen, statistics_gen, schema_gen, example_validator, transform,
                    trainer, model_resolver, evaluator, pusher],
        enable_cache=True,
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            os.path.join(root, "metadata.sqlite")),
        beam_pipeline_args=beam_args)


def _anomalies(uri: str) -> dict[str, list[str]]:
    """{split: anomalous features} from ExampleValidator's SchemaDiff.pb files."""
    found = {}
    for diff in sorted(Path(uri).glob("Split-*/SchemaDiff.pb")):
        anomalies = anomalies_pb2.Anomalies.FromString(diff.read_bytes())
        found[diff.parent.name[len("Split-"):]] = sorted(anomalies.anomaly_info)
    return found


def run_summary(root: str) -> dict:
    """The newest run in the root's ML Metadata: per component, its state and seconds
    (execution created to last updated); blessing, push and anomalies."""
    config = tfx.orchestration.metadata.sqlite_metadata_connection_config(
        os.path.join(root, "metadata.sqlite"))
    store = metadata_store.MetadataStore(config)
    run = max(store.get_contexts_by_type("pipeline_run"), key=lambda c: c.create_time_since_epoch)
    in_run = {e.id for e in store.get_executions_by_context(run.id)}
    components, outputs = {}, {}
    for node in store.get_contexts_by_type("node"):
        for execution in store.get_executions_by_context(node.id):
            if execution.id not in in_run:
                continue
            name = node.name.split(".", 1)[-1]
            seconds = (execution.last_update_time_since_epoch
                       - execution.create_time_since_epoch) / 1000
            components[name] = {
                "state": metadata_store_pb2.Execution.State.Name(execution.last_known_state),
                "seconds": round(seconds, 2), "started": execution.create_time_since_epoch}
            output_ids = [e.artifact_id for e in store.get_events_by_execution_ids([execution.id])
                          if e.type == e.OUTPUT]
            for artifact in store.get_artifacts_by_id(output_ids):
                outputs[store.get_artifact_types_by_id([artifact.type_id])[0].name] = artifact
    components = {name: {k: v for k, v in c.items() if k != "started"}
                  for name, c in sorted(components.items(), key=lambda kv: kv[1]["started"])}
    blessing, pushed = outputs.get("ModelBlessing"), outputs.get("PushedModel")
    return {
        "components": components,
        "blessed": bool(blessing and blessing.custom_properties["blessed"].int_value),
        "pushed": bool(pushed and pushed.custom_properties["pushed"].int_value),
        "pushed_to": (pushed.custom_properties["pushed_destination"].string_value
                      if pushed and "pushed_destination" in pushed.custom_properties else None),
        "anomalies": _anomalies(outputs["ExampleAnomalies"].uri)
        if "ExampleAnomalies" in outputs else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="a CSV file, or a folder of CSV files")
    parser.add_argument("--root", required=True,
                        help="pipeline root: artifacts, metadata.sqlite, data/, serving_model/")
    parser.add_argument("--train-steps", type=int, default=400)
    parser.add_argument("--beam-arg", dest="beam_args", action="append", default=[],
                        help="a Beam option replacing or adding to the defaults (repeatable)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    root = os.path.abspath(args.root)
    prepare_start = time.perf_counter()
    rows = prepare_data(Path(args.data), Path(root) / "data")
    prepared = time.perf_counter()
    given = {a.split("=", 1)[0] for a in args.beam_args}
    beam_args = [a for a in BEAM_ARGS if a.split("=", 1)[0] not in given] + args.beam_args
    tfx.orchestration.LocalDagRunner().run(
        create_pipeline(os.path.join(root, "data"), root, args.train_steps, beam_args))
    finished = time.perf_counter()

    figures = {"import_seconds": round(IMPORTED - START, 2),
               "prepare_seconds": round(prepared - prepare_start, 2), "rows_prepared": rows,
               "pipeline_seconds": round(finished - prepared, 2), **run_summary(root)}
    copied = f"{rows} rows copied" if rows else "the existing copy kept"
    print(f"imports {figures['import_seconds']:.2f} s, data preparation "
          f"{figures['prepare_seconds']:.2f} s ({copied}), pipeline "
          f"{figures['pipeline_seconds']:.2f} s")
    for name, c in figures["components"].items():
        print(f"  {name:<32} {c['state']:<9} {c['seconds']:8.2f} s")
    print(f"blessed: {figures['blessed']}, pushed: {figures['pushed']} "
          f"({figures['pushed_to']}), anomalies: {figures['anomalies']}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["pushed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
