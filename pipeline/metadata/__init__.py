"""ML Metadata: connection settings and the one wrapper that owns the store."""
from pipeline.metadata.config import MetadataConfig, MySqlConfig, SqliteConfig

__all__ = ["MetadataConfig", "MySqlConfig", "SqliteConfig"]
