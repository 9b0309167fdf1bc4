"""Files at a local path or at a URI that tf.io.gfile understands (gs://, s3://, hdfs://).

Local paths go through os and shutil, so that a local run whose outputs are all
cached never imports TensorFlow. URIs go through tf.io.gfile. Object stores
have no rename: `move` copies then deletes there, and is not atomic; ML Metadata
records an output only after the move, so readers that go through it never see
a half-copied folder.
"""
from __future__ import annotations

import glob as local_glob
import io
import os
import shutil
import socket
from typing import IO, Iterator


def is_remote(path: str) -> bool:
    """True for a URI with a scheme (gs://bucket/x), False for a local path."""
    return "://" in path and not path.startswith("file://")


def prepare_tensorflow(path: str) -> None:
    """Registers what TensorFlow's file APIs (tf.io.gfile, tf.data) need to open `path`
    in this process: tensorflow-io's S3 filesystem for s3://. Beam workers in other
    processes call it before they read."""
    if path.startswith("s3://"):
        from pipeline.s3 import use_s3

        use_s3()


def _gfile(path: str):
    """tf.io.gfile, able to reach `path`."""
    prepare_tensorflow(path)
    import tensorflow as tf  # imported only when a URI is used: it costs seconds

    return tf.io.gfile


def join(base: str, *parts: str) -> str:
    """Joins with "/" (what every object store uses) or the local separator."""
    return os.path.join(base, *parts)


def parent(path: str) -> str:
    """The folder holding `path`."""
    return os.path.dirname(path.rstrip("/"))


def absolute(path: str) -> str:
    """An absolute local path, or the URI unchanged."""
    return path if is_remote(path) else os.path.abspath(path)


def exists(path: str) -> bool:
    return _gfile(path).exists(path) if is_remote(path) else os.path.exists(path)


def isdir(path: str) -> bool:
    return _gfile(path).isdir(path) if is_remote(path) else os.path.isdir(path)


def isfile(path: str) -> bool:
    """True for an existing file (not a folder)."""
    if is_remote(path):
        return _gfile(path).exists(path) and not _gfile(path).isdir(path)
    return os.path.isfile(path)


def makedirs(path: str) -> None:
    """Creates the folder and its parents; an existing folder is fine."""
    if is_remote(path):
        _gfile(path).makedirs(path)
    else:
        os.makedirs(path, exist_ok=True)


def listdir(path: str) -> list[str]:
    """Names of the entries in a folder (no trailing "/" on sub-folders), sorted."""
    if is_remote(path):
        return sorted(name.rstrip("/") for name in _gfile(path).listdir(path))
    return sorted(os.listdir(path))


def glob(pattern: str) -> list[str]:
    """Paths matching a glob pattern, sorted."""
    return sorted(_gfile(pattern).glob(pattern) if is_remote(pattern) else local_glob.glob(pattern))


def walk_files(top: str) -> Iterator[str]:
    """Every file under `top`, as a path relative to it (with "/" separators)."""
    if is_remote(top):
        for folder, _, files in _gfile(top).walk(top):
            relative = folder[len(top):].strip("/")
            for name in files:
                yield f"{relative}/{name}" if relative else name
        return
    for folder, _, files in os.walk(top):
        relative = os.path.relpath(folder, top)
        for name in files:
            yield name if relative == "." else os.path.join(relative, name).replace(os.sep, "/")


def size(path: str) -> int:
    """A file's size in bytes."""
    return _gfile(path).stat(path).length if is_remote(path) else os.path.getsize(path)


def rmtree(path: str) -> None:
    """Removes a folder and everything in it; a missing folder is fine."""
    if not is_remote(path):
        shutil.rmtree(path, ignore_errors=True)
    elif _gfile(path).isdir(path):
        _gfile(path).rmtree(path)
    elif _gfile(path).exists(path):
        _gfile(path).remove(path)


def remove(path: str) -> None:
    """Removes one file."""
    if is_remote(path):
        _gfile(path).remove(path)
    else:
        os.remove(path)


def copytree(source: str, destination: str, last: tuple[str, ...] = ()) -> None:
    """Copies a folder's files to `destination`, which must not exist yet. Files
    named in `last` (relative paths) are copied after all others, so that a reader
    waiting for them never finds a folder that lacks the rest."""
    if not (is_remote(source) or is_remote(destination)):
        shutil.copytree(source, destination)
        return
    if exists(destination):
        raise FileExistsError(f"{destination} already exists")
    files = sorted(walk_files(source), key=lambda name: (name in last, name))
    makedirs(destination)
    made = {destination}
    for name in files:
        target = join(destination, name)
        if parent(target) not in made:
            makedirs(parent(target))
            made.add(parent(target))
        _copy_file(join(source, name), target)


def _copy_file(source: str, target: str) -> None:
    if size(source) == 0:  # tensorflow-io's S3 refuses to copy an empty object
        write_bytes(target, b"")
        return
    _gfile(source)  # either side may be s3://
    _gfile(target).copy(source, target, overwrite=False)


def move(source: str, destination: str) -> None:
    """Moves a folder: one rename on a local disk, copy then delete on object stores."""
    if not (is_remote(source) or is_remote(destination)):
        os.rename(source, destination)
        return
    copytree(source, destination)
    rmtree(source)


def open_file(path: str, mode: str = "rb") -> IO:
    """A file object for reading or writing, local or remote."""
    if is_remote(path):
        return _gfile(path).GFile(path, mode)
    return open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


def read_bytes(path: str) -> bytes:
    with open_file(path, "rb") as handle:
        return handle.read()


def read_text(path: str) -> str:
    return read_bytes(path).decode("utf-8")


def write_bytes(path: str, content: bytes) -> None:
    with open_file(path, "wb") as handle:
        handle.write(content)


def write_text(path: str, content: str) -> None:
    write_bytes(path, content.encode("utf-8"))


def readable(path: str) -> str | IO:
    """What pyarrow and friends can read: the local path itself (memory-mappable),
    or an in-memory copy of a remote file."""
    return io.BytesIO(read_bytes(path)) if is_remote(path) else path


WORK_KINDS = ("tmp", "removing")  # a copy not yet renamed into place; a folder being deleted


def work_name(kind: str, name: str) -> str:
    """A hidden sibling name for work in progress on `name`, saying which process
    does it: `.<kind>-<name>-<host>-<pid>` (TF Serving ignores names that are not
    numbers; `mlpipe gc` removes those whose process is gone)."""
    return f".{kind}-{name}-{socket.gethostname()}-{os.getpid()}"


def work_owner(entry: str) -> tuple[str, int] | None:
    """(host, pid) of a `work_name`, or None if `entry` is not one."""
    for kind in WORK_KINDS:
        if entry.startswith(f".{kind}-"):
            parts = entry[len(kind) + 2:].split("-")
            if len(parts) >= 3 and parts[-1].isdigit():
                return "-".join(parts[1:-1]), int(parts[-1])
    return None
