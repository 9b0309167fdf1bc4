"""Content-addressed caching: when may a component reuse earlier outputs?

The cache key of an execution is a hash of what determines its outputs: the
component's own code, its parameters (except those that only name a place),
the content fingerprint of what those places hold (input files, module file,
curated schema), and the fingerprints of its input artifacts. Each output
artifact's fingerprint is derived from the key, so fingerprints follow
content, not artifact ids: re-importing byte-identical data hits the cache.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import json
import os
from typing import Mapping

import pipeline
from pipeline import fs
from pipeline.dsl import Artifact, Component
from pipeline.dsl.component import ComponentSpec, params_to_dict


@functools.lru_cache(maxsize=None)
def code_version(spec: ComponentSpec) -> str:
    """sha256 of the executor's package (its .py files) and the framework version."""
    module_name = spec.executor.partition(":")[0]
    origin = importlib.util.find_spec(module_name).origin
    digest = hashlib.sha256(pipeline.__version__.encode())
    folder = os.path.dirname(origin)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as handle:
                digest.update(name.encode() + b"\0" + handle.read())
    return digest.hexdigest()


def _content_fingerprint(component: Component) -> str:
    reference = component.SPEC.content_fingerprint
    if not reference:
        return ""
    module_name, _, function_name = reference.partition(":")
    return getattr(importlib.import_module(module_name), function_name)(component.params)


def artifact_fingerprint(artifact: Artifact) -> str:
    """An artifact's content fingerprint (its id for artifacts recorded without one)."""
    return str(artifact.get("fingerprint") or f"{artifact.TYPE_NAME}#{artifact.id}")


def cache_key(component: Component, inputs: Mapping[str, Artifact]) -> str | None:
    """The execution's cache key, or None if it cannot be computed (e.g. the input
    file is missing: the executor will then run and report that properly)."""
    spec = component.SPEC
    params = {k: v for k, v in params_to_dict(component.params).items()
              if k not in spec.location_params}
    try:
        content = _content_fingerprint(component)
    except Exception:  # noqa: BLE001 - the executor reports the real problem
        return None
    parts = {"type": spec.type_name, "code": code_version(spec), "params": params,
             "content": content,
             "inputs": {name: artifact_fingerprint(a) for name, a in sorted(inputs.items())}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def output_fingerprint(key: str, output_name: str) -> str:
    return hashlib.sha256(f"{key}:{output_name}".encode()).hexdigest()


def outputs_present(outputs: Mapping[str, Artifact]) -> bool:
    """Reuse needs the files: every output folder, and a pushed model's destination."""
    for artifact in outputs.values():
        if not fs.exists(artifact.uri):
            return False
        destination = artifact.get("pushed_destination")
        if artifact.get("pushed") == 1 and destination and not fs.exists(str(destination)):
            return False
    return True
