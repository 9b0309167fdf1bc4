"""Where ML Metadata lives: an SQLite file (the default) or a MySQL database."""
from __future__ import annotations

import dataclasses
import os
from typing import Mapping, Union


@dataclasses.dataclass(frozen=True)
class SqliteConfig:
    """An SQLite file; created, with its folder, on first use."""

    path: str

    def to_proto(self):
        from ml_metadata.proto import metadata_store_pb2

        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        config = metadata_store_pb2.ConnectionConfig()
        config.sqlite.filename_uri = self.path
        config.sqlite.connection_mode = (
            metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE)
        return config

    def describe(self) -> str:
        return f"sqlite:{self.path}"

    def exists(self) -> bool:
        """Whether the store was ever created (reading must not create one)."""
        return os.path.isfile(self.path)


@dataclasses.dataclass(frozen=True)
class MySqlConfig:
    """A MySQL (or MariaDB) database, as Kubeflow's own metadata store uses."""

    host: str
    database: str
    user: str
    password: str = ""
    port: int = 3306

    def to_proto(self):
        from ml_metadata.proto import metadata_store_pb2

        config = metadata_store_pb2.ConnectionConfig()
        config.mysql.host = self.host
        config.mysql.port = self.port
        config.mysql.database = self.database
        config.mysql.user = self.user
        config.mysql.password = self.password
        return config

    def describe(self) -> str:
        return f"mysql://{self.user}@{self.host}:{self.port}/{self.database}"

    def exists(self) -> bool:
        return True  # a server: connecting tells


@dataclasses.dataclass(frozen=True)
class GrpcConfig:
    """The ML Metadata gRPC service that Kubeflow Pipelines deploys
    (`metadata-grpc-service.kubeflow:8080`), which owns the database itself."""

    host: str
    port: int = 8080

    def to_proto(self):
        from ml_metadata.proto import metadata_store_pb2

        return metadata_store_pb2.MetadataStoreClientConfig(host=self.host, port=self.port)

    def describe(self) -> str:
        return f"grpc://{self.host}:{self.port}"

    def exists(self) -> bool:
        return True  # a server: connecting tells


class MetadataConfigError(ValueError):
    """No usable metadata store is configured."""


@dataclasses.dataclass(frozen=True)
class UnconfiguredMetadata:
    """No store configured where none can be assumed (a pipeline root in a bucket).

    Defining and compiling such a pipeline works; opening its store raises
    MetadataConfigError with `reason`, which says how to configure one."""

    reason: str

    def to_proto(self):
        raise MetadataConfigError(self.reason)

    def describe(self) -> str:
        return "none configured"

    def exists(self) -> bool:
        raise MetadataConfigError(self.reason)


MetadataConfig = Union[SqliteConfig, MySqlConfig, GrpcConfig, UnconfiguredMetadata]


ENV_PREFIX = "MLPIPE_MLMD_"


def metadata_from_env(environ: Mapping[str, str] = os.environ) -> MetadataConfig | None:
    """The connection a deployment gives (a Kubernetes ConfigMap plus Secret), or None:
    MLPIPE_MLMD_GRPC_HOST (and _GRPC_PORT) for Kubeflow's metadata gRPC service, or
    MLPIPE_MLMD_HOST, _PORT, _DATABASE, _USER and _PASSWORD for a MySQL database, or
    MLPIPE_MLMD_SQLITE for an SQLite file (e.g. beside a pipeline root in a bucket)."""
    grpc_host = environ.get(ENV_PREFIX + "GRPC_HOST")
    if grpc_host:
        return GrpcConfig(grpc_host, int(environ.get(ENV_PREFIX + "GRPC_PORT", "8080")))
    host = environ.get(ENV_PREFIX + "HOST")
    if not host:
        sqlite_path = environ.get(ENV_PREFIX + "SQLITE")
        return SqliteConfig(sqlite_path) if sqlite_path else None
    return MySqlConfig(host=host, port=int(environ.get(ENV_PREFIX + "PORT", "3306")),
                       database=environ.get(ENV_PREFIX + "DATABASE", "mlmd"),
                       user=environ.get(ENV_PREFIX + "USER", "root"),
                       password=environ.get(ENV_PREFIX + "PASSWORD", ""))
