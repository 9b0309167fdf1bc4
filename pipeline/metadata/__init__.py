"""ML Metadata: connection settings and the one wrapper that owns the store."""
from pipeline.dsl.metadata_config import (GrpcConfig, MetadataConfig, MySqlConfig, SqliteConfig,
                                      metadata_from_env)

__all__ = ["GrpcConfig", "MetadataConfig", "MySqlConfig", "SqliteConfig", "metadata_from_env"]
