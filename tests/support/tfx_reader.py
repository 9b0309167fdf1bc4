"""Reads an ML Metadata store through TFX 1.16's own code; reports what TFX could not read.

`TF_USE_LEGACY_KERAS=1 /tmp/tfxvenv/bin/python tests/support/tfx_reader.py STORE.sqlite [--json]`

TFX cannot be a dependency of mlpipe because it does not install on Python 3.11 without
--ignore-requires-python. So, when a TFX venv is available, mlpipe's test suite runs this script in it to
show that TFX can read mlpipe's store. Each LIVE artifact goes through the helpers TFX's components use:
* all types: deserialize_artifact gives TFX's standard class, not an ephemeral one (the name and the exact
  property map must match). is_artifact_version_older_than(a, '0.29.0.dev') is False; a missing
  tfx_version means the old layout (uri/<split>, stats_tfrecord, serving_model_dir), and a non-PEP 440 one raises.
* Examples: split_names decode; per split, get_split_file_patterns (Split-<s>/*) matches only gzip files
  (TFX reads every entry as data); TFX and tfxio can read payload_format and file_format.
* ExampleStatistics / ExampleAnomalies: per split (at the uri root if unsplit, as Transform writes them),
  load_statistics loads FeatureStats.pb / get_only_uri_in_dir is SchemaDiff.pb.
* Schema: get_only_uri_in_dir(uri) is schema.pbtxt and parses. Model: serving_model_path has saved_model.pb.
* ModelBlessing: is_model_blessed agrees with the BLESSED/NOT_BLESSED marker. current_model_id (and any
  baseline_model_id) is the int id of a Model, and current_model (baseline_model) is that Model's uri.
* PushedModel: pushed is an int; if it is 1, pushed_version reads as a non-empty string,
  pushed_destination has saved_model.pb, and the uri holds a flat copy of the SavedModel.
* contexts: each pipeline_run context has the pipeline context as a parent.
Output: `PROBLEM <type>#<id>: <what>` lines, then `checked N artifacts, M problems`; with --json,
{"checked": N, "problems": [{"type", "id", "what"}]}. The exit status is 1 if there is any problem.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from typing import Callable

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

from absl import logging as absl_logging  # noqa: E402
from ml_metadata import metadata_store  # noqa: E402
from ml_metadata.proto import metadata_store_pb2 as mlmd_pb  # noqa: E402
from tfx.components.evaluator import constants as evaluator_constants  # noqa: E402
from tfx.components.statistics_gen import stats_artifact_utils  # noqa: E402
from tfx.components.util import examples_utils, model_utils, tfxio_utils  # noqa: E402
from tfx.dsl.io import fileio  # noqa: E402
from tfx.types import artifact_utils, standard_artifacts  # noqa: E402
from tfx.types.artifact import Artifact  # noqa: E402
from tfx.utils import io_utils, path_utils  # noqa: E402

absl_logging.set_verbosity(absl_logging.ERROR)
LAYOUT_VERSION = artifact_utils._ARTIFACT_VERSION_FOR_SPLIT_UPDATE  # '0.29.0.dev', also for model/stats/anomalies
STANDARD = {c.TYPE_NAME: c for c in vars(standard_artifacts).values()
            if isinstance(c, type) and issubclass(c, Artifact) and getattr(c, "TYPE_NAME", None)}
BLESSED, NOT_BLESSED = evaluator_constants.BLESSED_FILE_NAME, evaluator_constants.NOT_BLESSED_FILE_NAME


def _kind(a: Artifact, key: str) -> str | None:
    """How a custom property is stored (`int_value`, `string_value`, ...), None if absent."""
    value = a.mlmd_artifact.custom_properties.get(key)
    return value.WhichOneof("value") if value is not None else None


def _has_saved_model(directory: str) -> bool:
    return bool(directory) and fileio.exists(os.path.join(directory, "saved_model.pb"))


def _split_dirs(a: Artifact) -> list[tuple[str | None, str]]:
    """(split, dir) as TFX computes them; (None, uri) for an unsplit (Transform) artifact."""
    splits = artifact_utils.decode_split_names(a.split_names)
    return [(s, artifact_utils.get_split_uri([a], s)) for s in splits] or [(None, a.uri)]


def check_examples(a: Artifact) -> list[str]:
    splits = artifact_utils.decode_split_names(a.split_names)
    out = [] if splits else [f"split_names {a.split_names!r} decodes to no split"]
    payload = examples_utils.get_payload_format_string(a)  # ValueError if not a PayloadFormat name
    file_format = examples_utils.get_file_format(a)
    if tfxio_utils._file_format_from_string(file_format) not in tfxio_utils._SUPPORTED_FILE_FORMATS:
        out.append(f"file_format {file_format!r} is not readable by tfxio")
    for split in splits:
        for pattern in examples_utils.get_split_file_patterns([a], split):
            files = fileio.glob(pattern)
            out += [f"split {split}: no file matches {pattern} (payload {payload})"] if not files else []
            for f in files:
                if fileio.isdir(f):
                    out.append(f"split {split}: {f} is a directory, but TFX reads each entry as data")
                elif "GZIP" in file_format.upper() and fileio.open(f, "rb").read(2) != b"\x1f\x8b":
                    out.append(f"split {split}: {f} is not gzip, but file_format is {file_format}")
    return out


def check_statistics(a: Artifact) -> list[str]:
    old = artifact_utils.is_artifact_version_older_than(a, LAYOUT_VERSION)
    name = stats_artifact_utils.TFRECORD_BASENAME if old else stats_artifact_utils.BINARY_PB_BASENAME
    out = []
    for split, directory in _split_dirs(a):
        if not fileio.exists(os.path.join(directory, name)):
            out.append(f"split {split}: no statistics at {os.path.join(directory, name)}")
        elif split is not None and not stats_artifact_utils.load_statistics(a, split).proto().datasets:
            out.append(f"split {split}: load_statistics found no dataset statistics")
    return out


def check_anomalies(a: Artifact) -> list[str]:
    out = []
    for split, directory in _split_dirs(a):
        if not fileio.isdir(directory):
            out.append(f"split {split}: no directory {directory}")
        elif os.path.basename(found := io_utils.get_only_uri_in_dir(directory)) != "SchemaDiff.pb":
            out.append(f"split {split}: the only file is {found}, not SchemaDiff.pb")
    return out


def check_schema(a: Artifact) -> list[str]:
    found = io_utils.get_only_uri_in_dir(a.uri)
    io_utils.SchemaReader().read(found)  # raises unless it is a text-format Schema
    return [] if os.path.basename(found) == "schema.pbtxt" else [f"the only file is {found}, not schema.pbtxt"]


def check_model(a: Artifact) -> list[str]:
    path = path_utils.serving_model_path(a.uri, path_utils.is_old_model_artifact(a))
    return [] if _has_saved_model(path) else [f"no saved_model.pb in serving_model_path {path}"]


def check_blessing(a: Artifact, models: dict[int, str]) -> list[str]:
    blessed = model_utils.is_model_blessed(a)
    markers = {m for m in (BLESSED, NOT_BLESSED) if fileio.exists(os.path.join(a.uri, m))}
    out = []
    if markers != {BLESSED if blessed else NOT_BLESSED} and (markers or a.has_custom_property("blessed")):
        out.append(f"is_model_blessed={blessed} (blessed is {_kind(a, 'blessed')}) but markers are {sorted(markers)}")
    for role in ("current", "baseline"):  # TFX writes baseline_* only when there was a baseline model
        kind = _kind(a, f"{role}_model_id")
        if kind is None and role == "baseline":
            continue
        model_id = a.get_int_custom_property(f"{role}_model_id")
        uri = a.get_string_custom_property(f"{role}_model")
        if kind != "int_value":
            out.append(f"{role}_model_id is {kind}, not int_value")
        elif model_id not in models:
            out.append(f"{role}_model_id {model_id} is not the id of a Model artifact in the store")
        elif uri != models[model_id]:
            out.append(f"{role}_model is {uri!r} ({_kind(a, f'{role}_model')}), not Model#{model_id}'s uri "
                       f"{models[model_id]}")
    return out


def check_pushed(a: Artifact) -> list[str]:
    if _kind(a, "pushed") != "int_value":
        return [f"pushed is {_kind(a, 'pushed')}, not int_value"]
    if a.get_int_custom_property("pushed") != 1:
        return []
    out, destination = [], a.get_string_custom_property("pushed_destination")
    if not a.get_string_custom_property("pushed_version"):
        out.append(f"pushed_version reads as '' (it is stored as {_kind(a, 'pushed_version')})")
    if not _has_saved_model(destination):
        out.append(f"pushed_destination {destination!r} has no saved_model.pb")
    return out + ([] if _has_saved_model(a.uri) else ["the uri holds no flat copy of the SavedModel"])


def _guarded(check: Callable[[], list[str]]) -> list[str]:
    try:
        return check()
    except Exception as e:  # an exception is TFX failing to read the artifact
        return [f"{type(e).__name__}: {(str(e).strip().splitlines() or [repr(e)])[0][:200]}"]


def check_store(path: str) -> tuple[int, list[dict[str, object]]]:
    config = mlmd_pb.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = mlmd_pb.SqliteMetadataSourceConfig.READONLY
    store = metadata_store.MetadataStore(config)
    types = {t.id: t for t in store.get_artifact_types()}
    artifacts = sorted(store.get_artifacts(), key=lambda r: r.id)
    models = {r.id: r.uri for r in artifacts if types[r.type_id].name == "Model"}
    live = [r for r in artifacts if r.state == mlmd_pb.Artifact.LIVE]
    checks: dict[str, Callable[[Artifact], list[str]]] = {
        "Examples": check_examples, "ExampleStatistics": check_statistics, "ExampleAnomalies": check_anomalies,
        "Schema": check_schema, "Model": check_model, "ModelBlessing": lambda a: check_blessing(a, models),
        "PushedModel": check_pushed}
    problems: list[dict[str, object]] = []
    for raw in live:
        type_name = types[raw.type_id].name
        a = artifact_utils.deserialize_artifact(types[raw.type_id], raw)
        whats = [] if type(a) is STANDARD.get(type_name, type(a)) else [
            f"deserializes to the ephemeral class {type(a).__module__}.{type(a).__name__}: "
            f"properties {sorted(types[raw.type_id].properties)} != TFX's {sorted(STANDARD[type_name].PROPERTIES)}"]
        version = a.get_string_custom_property("tfx_version") if a.has_custom_property("tfx_version") else None
        whats += _guarded(lambda: [f"read as an old (<{LAYOUT_VERSION}) artifact: tfx_version={version!r}"]
                          if artifact_utils.is_artifact_version_older_than(a, LAYOUT_VERSION) else [])
        whats += _guarded(lambda: checks[type_name](a)) if type_name in checks else []
        problems += [{"type": type_name, "id": raw.id, "what": w} for w in dict.fromkeys(whats)]
    for run in store.get_contexts_by_type("pipeline_run"):
        parents = store.get_parent_contexts_by_context(run.id)
        if not any(p.type == "pipeline" for p in parents):
            problems.append({"type": "pipeline_run", "id": run.id, "what": f"{run.name!r} has no pipeline "
                             f"parent context (parents: {[f'{p.type}:{p.name}' for p in parents]})"})
    return len(live), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="path of an MLMD sqlite file")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of lines")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.store):
        parser.error(f"no such file: {args.store}")  # MLMD would create an empty store
    checked, problems = check_store(args.store)
    if args.json:
        print(json.dumps({"checked": checked, "problems": problems}, indent=1))
    else:
        for p in problems:
            print(f"PROBLEM {p['type']}#{p['id']}: {p['what']}")
        print(f"checked {checked} artifacts, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
