"""A pipeline's explicit metadata store in the IR, without secrets.

A MySQL password never goes into a compiled pipeline: where it runs, it comes
from MLPIPE_MLMD_PASSWORD (a Kubernetes Secret)."""
from __future__ import annotations

import os
from typing import Any

from pipeline.dsl.metadata_config import (ENV_PREFIX, GrpcConfig, MetadataConfig, MySqlConfig,
                                      SqliteConfig, UnconfiguredMetadata)


def metadata_to_dict(config: MetadataConfig) -> dict[str, Any] | None:
    if isinstance(config, SqliteConfig):
        return {"kind": "sqlite", "path": config.path}
    if isinstance(config, MySqlConfig):
        return {"kind": "mysql", "host": config.host, "port": config.port,
                "database": config.database, "user": config.user}
    if isinstance(config, GrpcConfig):
        return {"kind": "grpc", "host": config.host, "port": config.port}
    return None


def metadata_from_dict(doc: dict[str, Any] | None) -> MetadataConfig | None:
    if doc is None:
        return None
    settings = {k: v for k, v in doc.items() if k != "kind"}
    if doc["kind"] == "sqlite":
        return SqliteConfig(**settings)
    if doc["kind"] == "mysql":
        return MySqlConfig(**settings, password=os.environ.get(ENV_PREFIX + "PASSWORD", ""))
    if doc["kind"] == "grpc":
        return GrpcConfig(**settings)
    return UnconfiguredMetadata(f"unknown metadata store kind {doc['kind']!r} in the "
                                f"compiled pipeline")
