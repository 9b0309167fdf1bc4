"""Writes to ML Metadata that fail cleanly: on a nearly full disk they are refused
before they start, and after a failed write the connection is reopened (ML
Metadata's SQLite connection is unusable afterwards: "Transaction already
open") and the SQLite file is repaired (see `integrity`).
"""
from __future__ import annotations

import errno
import functools
import os
from typing import Callable, TypeVar

from ml_metadata import errors as mlmd_errors
from ml_metadata import metadata_store

from pipeline.defaults import min_free_bytes
from pipeline.dsl.metadata_config import MetadataConfig

Method = TypeVar("Method", bound=Callable)


class StoreError(Exception):
    """ML Metadata could not be opened or could not record something; the message
    says where, and what to do."""


def free_bytes(path: str) -> int:
    """Free bytes on the file system holding `path` (or its nearest existing parent)."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def check_free_space(path: str, what: str) -> None:
    """Raises StoreError if the disk holding `path` is (nearly) full."""
    free, needed = free_bytes(path), min_free_bytes()
    if free < needed:
        raise StoreError(
            f"no space to write {what}: the disk holding {path} has {free // 1024} KiB free, "
            f"mlpipe needs at least {needed // 1024} KiB; free some space (`mlpipe gc` removes "
            f"old artifacts) and run again")


def hint(message: str) -> str:
    """What to do about an error that names a full or read-only disk ("" if none)."""
    if "No space left" in message or "disk is full" in message or "disk full" in message:
        return "the disk is full: free some space (`mlpipe gc` removes old artifacts) and run again"
    if "Read-only file system" in message or "readonly database" in message:
        return "the file system is read-only: make it writable or choose another path"
    if "Permission denied" in message:
        return "permission denied: make the path writable for this user or choose another"
    if "mysql_real_connect failed" in message or "Connection refused" in message:
        return ("the metadata server does not answer: check that it runs and the host, port "
                "and credentials, then run again")
    if "database is locked" in message or "Concurrent writes aborted" in message:
        return "another process holds the store's lock: wait for it, or stop it, and retry"
    return ""


def os_error_hint(error: OSError) -> str:
    """The hint for an OSError by its errno."""
    return hint(os.strerror(error.errno)) if error.errno in (
        errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM) else ""


# What ML Metadata raises: its status errors, and RuntimeError when a MySQL
# connection fails ("mysql_real_connect failed").
STORE_ERRORS = (mlmd_errors.StatusError, RuntimeError)


class Disconnected:
    """Stands in for a connection that failed and could not be reopened: every use
    raises StoreError. (ml-metadata 1.16 crashes the process with SIGSEGV when a
    MySQL connection that failed is used again.)"""

    def __init__(self, config: MetadataConfig):
        self._config = config

    def __getattr__(self, name: str):
        raise StoreError(f"ML Metadata at {self._config.describe()} is unreachable: its "
                         f"connection failed; check that the server runs, then run again")


def guarded(method: Method) -> Method:
    """Wraps a MetadataStore write: checks free space first (SQLite); turns an ML
    Metadata error into StoreError after reopening and repairing the store."""
    @functools.wraps(method)
    def write(self, *args, **kwargs):
        self.check_writable()
        try:
            return method(self, *args, **kwargs)
        except STORE_ERRORS as error:
            self.recover_connection()
            what = method.__name__.strip("_").replace("_", " ")
            raise StoreError(f"ML Metadata ({self.config.describe()}) could not {what}: "
                             f"{short_error(error)}") from error
    return write  # type: ignore[return-value]


def short_error(error: BaseException) -> str:
    """One line: the error's first line without the SQL ML Metadata appends, and
    what to do about it if that is known."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    first = first.removeprefix("Error when executing query: ").split(" query: ")[0][:300]
    advice = hint(text)
    return f"{type(error).__name__}: {first}" + (f"; {advice}" if advice else "")


def connect(config: MetadataConfig) -> metadata_store.MetadataStore:
    """A connection; StoreError (one line, with what to do) if the store cannot be opened."""
    try:
        return metadata_store.MetadataStore(config.to_proto())
    except (*STORE_ERRORS, OSError) as error:
        raise StoreError(f"cannot open ML Metadata at {config.describe()}: "
                         f"{short_error(error)}") from error
