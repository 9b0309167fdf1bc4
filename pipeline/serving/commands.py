"""`mlpipe models`, `canary`, `promote` and `rollback`: the pushed versions of a
pipeline's model, and which of them serve. Label changes exit 0, or 2 (nothing
changed) when they make no sense or the serving folder's config is corrupt."""
from __future__ import annotations

import argparse
import sys
import json
from typing import Callable

def add_commands(commands: argparse._SubParsersAction,
                 add_pipeline_args: Callable[[argparse.ArgumentParser], None]) -> None:
    models = commands.add_parser("models", help="list the pushed versions: integer and "
                                                "semantic version, metrics, serving figures, "
                                                "label, run")
    add_pipeline_args(models)
    models.add_argument("--json", action="store_true", help="print them as JSON")
    models.add_argument("--history", action="store_true",
                        help="under each version, when it served as stable or canary")
    canary = commands.add_parser("canary", help="label a pushed version canary: it gets a "
                                                "share of the requests without a label")
    canary.add_argument("version", type=int, help="the integer version (see mlpipe models)")
    add_pipeline_args(canary)
    canary.add_argument("--percent", type=float, default=10.0,
                        help="the canary's share of unlabelled requests (default 10)")
    promote = commands.add_parser("promote", help="make the canary stable, if its logged answers "
                                                  "are as good as stable's (or --force)")
    add_pipeline_args(promote)
    promote.add_argument("--force", action="store_true", help="promote without the gate")
    promote.add_argument("--min-requests", type=int, default=100,
                         help="logged answers each version needs (default 100)")
    promote.add_argument("--max-latency-increase", type=float, default=0.5, metavar="SHARE",
                         help="canary p95 latency may exceed stable's by this share (0.5)")
    promote.add_argument("--max-prediction-shift", type=float, default=0.2, metavar="DISTANCE",
                         help="L-infinity distance allowed between the predicted-class shares "
                              "(0.2)")
    rollback = commands.add_parser("rollback", help="point stable back to the version "
                                                    "stable before (or --to one)")
    add_pipeline_args(rollback)
    rollback.add_argument("--to", type=int, metavar="VERSION",
                          help="a version that was stable before")
    kserve = commands.add_parser("kserve", help="publish the labelled versions for KServe and "
                                                "print the InferenceService serving them "
                                                "(pipe it to kubectl apply -f -)")
    add_pipeline_args(kserve)
    kserve.add_argument("--storage-uri", required=True, metavar="URI",
                        help="the serving folder as KServe reads it, e.g. "
                             "pvc://mlpipe-data/models, gs://bucket/models")
    kserve.add_argument("--template", metavar="FILE",
                        help="YAML with the InferenceService to fill in (e.g. `kubectl "
                             "kustomize kubernetes/overlays/kserve`); default: a minimal one")
    kserve.add_argument("-o", "--output", metavar="FILE", help="write it here, not to stdout")
    serve = commands.add_parser("serve", help="serve the pushed models over TF Serving's REST "
                                              "API, following models.config")
    add_pipeline_args(serve)
    serve.add_argument("--port", type=int, default=8501, help="default 8501 (TF Serving's)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on "
                                                           "(default 127.0.0.1; 0.0.0.0 for all)")
    serve.add_argument("--serving-dir", help="the serving folder (default: the Pusher's)")
    serve.add_argument("--log-sample-rate", type=float, default=0.1, metavar="RATE",
                       help="share of requests logged as TFRecord tf.Examples under "
                            "<root>/request_log/<model>/ (default 0.1; 0 logs none)")
    serve.add_argument("--poll-seconds", type=float, default=1.0,
                       help="how often to reread models.config (default 1)")
    serve.add_argument("--workers", type=int, default=4, help="threads running the models")


def cmd_models(args: argparse.Namespace) -> int:
    from pipeline.loader import load_pipeline
    from pipeline.metadata.store import MetadataStore
    from pipeline.serving.models import describe_models

    pipeline = load_pipeline(args.pipeline, root=args.root)
    rows = (describe_models(MetadataStore(pipeline.metadata), pipeline.name)
            if pipeline.metadata.exists() else [])
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no pushed versions of {pipeline.name!r} in {pipeline.metadata.describe()}")
        return 0
    print(f"{'VERSION':<11} {'SEMVER':<8} {'PUSHED':<19} {'LABEL':<13} {'ACCURACY':>8} "
          f"{'P99 MS':>7} {'MB':>6}  RUN")
    for row in rows:
        figures = {**row["metrics"], **row["serving"]}
        accuracy = figures.get("sparse_categorical_accuracy", figures.get("binary_accuracy"))
        shown = lambda value, form: format(value, form) if value is not None else "-"
        print(f"{row['version']:<11} {row['semantic_version'] or '-':<8} "
              f"{row['pushed_at'].replace('T', ' '):<19} {row['label']:<13} "
              f"{shown(accuracy, '.4f'):>8} {shown(figures.get('p99_ms'), '.3f'):>7} "
              f"{shown(figures.get('model_size_mb'), '.2f'):>6}  {row['run_id'] or '-'}"
              + ("" if row["files_present"] else "  (files gone)"))
        for interval in row["served"] if args.history else ():
            until = (interval["until"] or "now").replace("T", " ")
            print(f"    {interval['label']:<7} {interval['from'].replace('T', ' ')} -> {until}  "
                  f"({interval['by']})")
    return 0


def _target(pipeline):
    from components.pusher.component import PusherParams
    from pipeline.compiled import UsageError
    from pipeline.serving.labelling import Target

    pushers = [c.params for c in pipeline.components if isinstance(c.params, PusherParams)]
    if len(pushers) != 1:
        raise UsageError(f"pipeline {pipeline.name!r} has {len(pushers)} Pushers; label "
                         f"changes need exactly one (its serving folder and model name)")
    return Target(pushers[0].serving_dir, pushers[0].model_name)


def _gate(args: argparse.Namespace, root: str, target):
    """The promotion gate over `mlpipe serve`'s logs of the model."""
    from pipeline import fs
    from pipeline.serving import promotion_gate

    bounds = promotion_gate.GateBounds(args.min_requests, args.max_latency_increase,
                                       args.max_prediction_shift)
    return promotion_gate.as_gate(fs.join(root, "request_log", target.model_name), bounds,
                                  args.force)


def cmd_label(args: argparse.Namespace) -> int:
    from pipeline.loader import load_pipeline
    from pipeline.metadata.store import MetadataStore
    from pipeline.serving import labelling
    from pipeline.serving.config import ServingConfigError

    pipeline = load_pipeline(args.pipeline, root=args.root)
    target = _target(pipeline)
    store = MetadataStore(pipeline.metadata)
    try:
        if args.command == "canary":
            change = labelling.canary(store, pipeline.name, target, args.version, args.percent)
        elif args.command == "promote":
            change = labelling.promote(store, pipeline.name, target,
                                       _gate(args, pipeline.root, target))
        else:
            change = labelling.rollback(store, pipeline.name, target, args.to)
    except labelling.PromotionRefused as error:
        print(f"mlpipe: promotion refused: {error}", file=sys.stderr)
        return 1
    except (labelling.LabelError, ServingConfigError) as error:
        print(f"mlpipe: error: {error}", file=sys.stderr)
        return 2
    share = f" ({change.canary_percent:g}% of unlabelled requests)" if change.canary_percent else ""
    print(f"{target.model_name} {change.describe()}{share}; recorded as LabelChange "
          f"#{change.execution_id}")
    return 0


def cmd_kserve(args: argparse.Namespace) -> int:
    import yaml

    from pipeline import fs
    from pipeline.loader import load_pipeline
    from pipeline.serving import config as serving_config
    from pipeline.serving import kserve

    pipeline = load_pipeline(args.pipeline, root=args.root)
    target = _target(pipeline)
    try:
        template = (kserve.pick_template(list(yaml.safe_load_all(fs.read_text(args.template))),
                                         target.model_name)
                    if args.template else kserve.default_template(target.model_name))
        manifest = kserve.inference_service(template, target.serving_dir, target.model_name,
                                            args.storage_uri)
    except (kserve.KServeError, serving_config.ServingConfigError, OSError,
            yaml.YAMLError) as error:
        print(f"mlpipe: error: {error}", file=sys.stderr)
        return 2
    share = serving_config.canary_percent(target.serving_dir, target.model_name)
    percent = manifest["spec"]["predictor"].get("canaryTrafficPercent")
    if percent is not None and percent != share:
        print(f"mlpipe: warning: KServe takes whole percents: the canary's {share:g}% is "
              f"{percent}% there", file=sys.stderr)
    text = yaml.safe_dump(manifest, sort_keys=False)
    if args.output:
        fs.write_text(args.output, text)
    else:
        print(text, end="")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from pipeline import fs
    from pipeline.loader import load_pipeline
    from pipeline.runner.liveness import Terminated
    from pipeline.serving.request_log import RequestLog
    from pipeline.serving.server import serve

    pipeline = load_pipeline(args.pipeline, root=args.root)
    serving_dir = args.serving_dir or _target(pipeline).serving_dir
    folder = fs.join(pipeline.root, "request_log")
    request_log = RequestLog(folder, args.log_sample_rate)  # outcomes are always logged
    ready = lambda port: print(f"mlpipe: serving {serving_dir} (models.config) on "
                               f"http://{args.host}:{port}/v1/models/<name>:predict; logging "
                               f"{args.log_sample_rate:.0%} of requests to {folder}", flush=True)
    try:
        serve(serving_dir, args.host, args.port, request_log, args.poll_seconds, args.workers,
              ready)
    except (KeyboardInterrupt, Terminated):
        print("mlpipe: serve stopped", flush=True)
    return 0


COMMANDS = {"models": cmd_models, "serve": cmd_serve, "kserve": cmd_kserve, "canary": cmd_label, "promote": cmd_label,
            "rollback": cmd_label}
