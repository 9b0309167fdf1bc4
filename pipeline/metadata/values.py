"""ML Metadata values to and from Python, and artifact classes by type name."""
from __future__ import annotations

import functools

from ml_metadata.proto import metadata_store_pb2 as pb

from pipeline.dsl.artifact import STANDARD_TYPES, Artifact


@functools.lru_cache(maxsize=None)
def artifact_class(type_name: str) -> type[Artifact]:
    """The Artifact class of a type name: a standard one, or one made for a type
    this process does not define (a user's own, recorded by another process)."""
    return STANDARD_TYPES.get(type_name) or type(type_name, (Artifact,), {"TYPE_NAME": type_name})


def set_value(value_proto: pb.Value, value: object) -> None:
    if isinstance(value, bool):
        value_proto.int_value = int(value)
    elif isinstance(value, int):
        value_proto.int_value = value
    elif isinstance(value, float):
        value_proto.double_value = value
    else:
        value_proto.string_value = str(value)


def read_value(value_proto: pb.Value) -> object:
    kind = value_proto.WhichOneof("value")
    return getattr(value_proto, kind) if kind else None


def read_map(proto_map) -> dict[str, object]:
    return {key: read_value(value) for key, value in proto_map.items()}
