"""`mlpipe skew`: do the serving requests look like the data the serving model was
trained on? Exit 0 if so, 1 on skew or schema anomalies, 2 on unusable input."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from pipeline.compiled import UsageError, pairs

# Exit codes beyond 0 (no skew): the check ran and found skew, or could not run.
SKEW_FOUND = 1
BAD_INPUT = 2


def add_commands(commands: argparse._SubParsersAction,
                 add_pipeline_args: Callable[[argparse.ArgumentParser], None]) -> None:
    skew = commands.add_parser(
        "skew", help="compare serving requests with the serving model's training data "
                     "(TFDV skew comparators); exit 1 on skew")
    add_pipeline_args(skew)
    skew.add_argument("--serving-data", required=True, metavar="PATH",
                      help="serving requests: CSV without the label, or TFRecord files of "
                           "tf.Examples (a file, a folder or a glob)")
    skew.add_argument("--threshold", type=float, metavar="DISTANCE",
                      help="distance above which a feature skews (default: the pipeline's "
                           "drift threshold, else 0.3)")
    skew.add_argument("--feature-threshold", action="append", default=[],
                      metavar="FEATURE=DISTANCE", help="a threshold for one feature (repeatable)")
    skew.add_argument("--label", action="append", default=[], metavar="NAME",
                      help="the label feature, if the schema does not keep it out of SERVING")


def _thresholds(pipeline, args: argparse.Namespace):
    """The pipeline's DriftValidator settings (the same distances and thresholds),
    overridden by the command line's."""
    from components.drift_validator.component import DEFAULT_DRIFT_THRESHOLD, DriftValidatorParams
    from pipeline.skew.statistics import SkewThresholds

    drift = next((c.params for c in pipeline.components
                  if isinstance(c.params, DriftValidatorParams)), None)
    default = args.threshold or (drift.default_threshold if drift else DEFAULT_DRIFT_THRESHOLD)
    by_feature = dict(drift.thresholds or {}) if drift else {}
    for name, value in pairs(args.feature_threshold, "--feature-threshold").items():
        try:
            by_feature[name] = float(value)
        except ValueError:
            raise UsageError(f"--feature-threshold {name}={value}: the distance must be a "
                             f"number such as 0.2") from None
    for name, value in {"--threshold": default, **by_feature}.items():
        if not 0.0 < value <= 1.0:
            raise UsageError(f"{name} {value}: a distance threshold must be in (0, 1]")
    return SkewThresholds(default, by_feature, tuple(drift.skip_features) if drift else ())


def cmd_skew(args: argparse.Namespace) -> int:
    from pipeline.loader import load_pipeline
    from pipeline.metadata.store import MetadataStore
    from pipeline.skew.check import check_skew
    from pipeline.skew.serving_data import ServingDataError

    pipeline = load_pipeline(args.pipeline, root=args.root)
    thresholds = _thresholds(pipeline, args)
    if not pipeline.metadata.exists():
        print(f"mlpipe: error: no model of {pipeline.name!r} is serving: nothing recorded in "
              f"{pipeline.metadata.describe()}; run the pipeline first", file=sys.stderr)
        return BAD_INPUT
    try:
        result = check_skew(MetadataStore(pipeline.metadata), pipeline, args.serving_data,
                            thresholds, tuple(args.label))
    except ServingDataError as error:
        print(f"mlpipe: error: {error}", file=sys.stderr)
        return BAD_INPUT
    _print(result)
    return SKEW_FOUND if result.failed else 0


def _print(result) -> None:
    print(f"{result.num_requests} requests against the training data of serving version "
          f"{result.serving_version}; recorded as SkewCheck #{result.execution_id}")
    print(f"{'FEATURE':<20} {'MEASURE':<26} {'DISTANCE':>8} {'THRESHOLD':>9}  VERDICT")
    for name, m in sorted(result.distances.items(), key=lambda i: -i[1]["distance"]):
        print(f"{name:<20} {m['measure']:<26} {m['distance']:>8.3f} {m['threshold']:>9.3f}  "
              f"{'SKEW' if m['skewed'] else 'ok'}")
    for line in result.anomalies:
        print(f"schema anomaly: {line}")
    if result.skewed:
        print(f"skew: {', '.join(result.skewed)}")
    elif not result.anomalies:
        print("no skew")


COMMANDS = {"skew": cmd_skew}
