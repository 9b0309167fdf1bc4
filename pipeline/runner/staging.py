"""Outputs are written to a staging folder and published only on success.

A crash therefore never leaves a half-written folder at an artifact's final
URI, and ML Metadata records an output only once it has been moved there.
"""
from __future__ import annotations

import os
import shutil

STAGING_DIR = ".staging"


def final_uri(root: str, component_id: str, output_name: str, execution_id: int) -> str:
    """TFX's layout: `<root>/<component>/<output>/<execution id>`."""
    return os.path.join(root, component_id, output_name, str(execution_id))


def staging_uri(root: str, execution_id: int, output_name: str) -> str:
    return os.path.join(root, STAGING_DIR, str(execution_id), output_name)


def prepare(path: str) -> str:
    """An empty folder at `path` (a leftover from a crashed attempt is removed)."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def publish(staged: str, final: str) -> None:
    """Moves a staged output to its final URI in one rename."""
    if os.path.exists(final):
        raise FileExistsError(f"{final} already exists; refusing to overwrite a published artifact")
    os.makedirs(os.path.dirname(final), exist_ok=True)
    os.rename(staged, final)


def discard(root: str, execution_id: int) -> None:
    """Removes whatever a (failed or finished) execution left in staging."""
    shutil.rmtree(os.path.join(root, STAGING_DIR, str(execution_id)), ignore_errors=True)
