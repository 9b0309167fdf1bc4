"""Outputs are written to a staging folder and published only on success.

On a local disk the move is one rename, so a crash never leaves a half-written
folder at an artifact's final URI. On an object store (gs://, s3://) it is a
copy then delete. Either way ML Metadata records an output only once it has
been moved, so readers that go through ML Metadata never see a partial one.
"""
from __future__ import annotations

import os

from pipeline import fs
from pipeline.metadata.guard import os_error_hint

STAGING_DIR = ".staging"


def final_uri(root: str, component_id: str, output_name: str, execution_id: int) -> str:
    """TFX's layout: `<root>/<component>/<output>/<execution id>`."""
    return fs.join(root, component_id, output_name, str(execution_id))


def staging_uri(root: str, execution_id: int, output_name: str) -> str:
    return fs.join(root, STAGING_DIR, str(execution_id), output_name)


def prepare(path: str) -> str:
    """An empty folder at `path` (a leftover from a crashed attempt is removed)."""
    fs.rmtree(path)
    fs.makedirs(path)
    return path


def publish(staged: str, final: str) -> None:
    """Moves a staged output to its final URI."""
    if fs.exists(final):
        raise FileExistsError(f"{final} already exists; refusing to overwrite a published artifact")
    fs.makedirs(fs.parent(final))
    fs.move(staged, final)


def discard(root: str, execution_id: int) -> None:
    """Removes whatever a (failed or finished) execution left in staging."""
    fs.rmtree(fs.join(root, STAGING_DIR, str(execution_id)))


class RootNotWritable(Exception):
    """The pipeline root cannot take outputs; the message names it and what to do."""


def check_writable(root: str) -> None:
    """Raises RootNotWritable unless outputs can be staged under a local `root`
    (a URI is left to the executions: probing a bucket costs a round trip)."""
    if fs.is_remote(root):
        return
    probe = os.path.join(root, STAGING_DIR, f".probe-{os.getpid()}")
    try:
        fs.makedirs(fs.parent(probe))
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as error:
        advice = os_error_hint(error) or "make it writable or choose another with --root"
        raise RootNotWritable(f"cannot write to the pipeline root {root} "
                              f"({error.strerror}): {advice}") from error
