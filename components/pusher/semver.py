"""Semantic versions of pushed models, MAJOR.MINOR.PIPELINE:

- MAJOR goes up when the data changed incompatibly since the previous push: the
  schema's features, their types, or the label are not the same;
- MINOR when the model was retrained on other data (same schema) and blessed:
  Evaluator gated it against the model serving;
- PIPELINE when data and schema are the same: only the pipeline's code or
  configuration changed.

The first push is 1.0.0. TF Serving's version folders stay increasing integers.
"""
from __future__ import annotations

import dataclasses
import enum

FIRST = "1.0.0"


class Bump(enum.Enum):
    FIRST = "first"
    MAJOR = "major"
    MINOR = "minor"
    PIPELINE = "pipeline"


@dataclasses.dataclass(frozen=True)
class NextVersion:
    semantic_version: str
    bump: Bump
    reason: str


def schema_signature(schema_text: str) -> list[str]:
    """"name:TYPE" per feature, sorted, the label(s) (features kept out of the SERVING
    environment) marked ":label": what MAJOR compares."""
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = text_format.Parse(schema_text, schema_pb2.Schema())
    return sorted(f"{f.name}:{schema_pb2.FeatureType.Name(f.type)}"
                  + (":label" if "SERVING" in f.not_in_environment else "")
                  for f in schema.feature)


def _schema_change(before: list[str], after: list[str]) -> str:
    old, new = set(before), set(after)
    names = lambda items: {i.split(":")[0] for i in items}
    added, removed = sorted(names(new) - names(old)), sorted(names(old) - names(new))
    changed = sorted(names(new - old) & names(old - new))
    parts = ([f"added {', '.join(added)}"] if added else []) + (
        [f"removed {', '.join(removed)}"] if removed else []) + (
        [f"changed type or label role of {', '.join(changed)}"] if changed else [])
    return "; ".join(parts)


def next_version(previous: dict | None, signature: list[str] | None,
                 data_fingerprint: str | None) -> NextVersion:
    """The semantic version of a push after `previous` (its history entry)."""
    if not previous or not previous.get("semantic_version"):
        return NextVersion(FIRST, Bump.FIRST, "first push")
    major, minor, patch = (int(p) for p in previous["semantic_version"].split("."))
    before = previous.get("schema_signature")
    if signature is not None and before is not None and signature != before:
        return NextVersion(f"{major + 1}.0.0", Bump.MAJOR,
                           f"schema changed: {_schema_change(before, signature)}")
    if data_fingerprint != previous.get("data_fingerprint"):
        return NextVersion(f"{major}.{minor + 1}.0", Bump.MINOR,
                           "retrained on new data and blessed against the model serving")
    return NextVersion(f"{major}.{minor}.{patch + 1}", Bump.PIPELINE,
                       "same data and schema: the pipeline's code or configuration changed")
