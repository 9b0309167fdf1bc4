"""Content-addressed caching: when may a component reuse earlier outputs?

The cache key of an execution is a hash of what determines its outputs: all
the code it runs (see `code_version`), its parameters (except those that only
name a place), the content of what those places hold (input files, module
file, reviewed schema), and the fingerprints of its input artifacts. Each output
artifact's fingerprint is a hash of its content, so fingerprints follow content,
not artifact ids: re-importing byte-identical data hits the cache, and a
component that reran to the same outputs leaves what follows it cached.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import json
import sys
from typing import Mapping

import pipeline
from pipeline import fs
from pipeline.code.closure import Closure, closure, imported_names
from pipeline.dsl import Artifact, Component
from pipeline.dsl.component import ComponentSpec, params_to_dict


def _digest(reached: Closure) -> str:
    digest = hashlib.sha256(f"{pipeline.__version__}|{sys.version_info[:2]}".encode())
    for module in reached.modules:
        with open(module.path, "rb") as handle:
            digest.update(module.name.encode() + b"\0" + handle.read() + b"\0")
    for distribution, version in reached.libraries:
        digest.update(f"{distribution}=={version}\0".encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def code_version(spec: ComponentSpec, file_imports: tuple[str, ...] = ()) -> str:
    """sha256 of all the code an execution runs: the executor's module, every
    module of this project or the user's it imports (transitively), the versions
    of the libraries they import, and what the component's module files import
    from this project (their own content is hashed as a file parameter)."""
    return _digest(closure((spec.executor_module, *file_imports)))


def _file_params(component: Component) -> dict[str, str]:
    """The sha256 of each file parameter's content."""
    params = params_to_dict(component.params)
    return {name: hashlib.sha256(fs.read_bytes(params[name])).hexdigest()
            for name in component.SPEC.file_params if params.get(name)}


def _module_file_imports(component: Component) -> tuple[str, ...]:
    params = params_to_dict(component.params)
    names: set[str] = set()
    for name in component.SPEC.file_params:
        path = params.get(name)
        if path and str(path).endswith(".py"):
            names |= imported_names(fs.read_bytes(path).decode("utf-8"), "", False)
    return tuple(sorted(names))


def input_fingerprint(component: Component) -> str:
    """The content fingerprint of what the component reads from outside the pipeline
    (e.g. ExampleGen's input span and files); "" for a component that reads nothing
    there. Raises what the component's fingerprint function raises (e.g. no input)."""
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
              if k not in spec.location_params and k not in spec.file_params}
    try:
        content = input_fingerprint(component)
        files = _file_params(component)
        code = code_version(spec, _module_file_imports(component))
    except Exception:  # noqa: BLE001 - the executor reports the real problem
        return None
    parts = {"type": spec.type_name, "code": code, "params": params,
             "content": content, "files": files,
             "inputs": {name: artifact_fingerprint(a) for name, a in sorted(inputs.items())}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def content_fingerprint(artifact: Artifact) -> str:
    """sha256 of what an artifact holds: its files (relative paths and bytes) and
    its properties, except those that only say where it came from. Outputs that
    come out byte-identical (a rerun after a change that did not matter) match,
    so what consumes them is reused."""
    digest = hashlib.sha256(artifact.TYPE_NAME.encode() + b"\0")
    for relative in sorted(fs.walk_files(artifact.uri)):
        digest.update(relative.encode() + b"\0")
        with fs.open_file(fs.join(artifact.uri, relative)) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    properties = {k: v for k, v in {**artifact.properties, **artifact.custom_properties}.items()
                  if k != "fingerprint" and k not in artifact.LOCATION_PROPERTIES}
    digest.update(json.dumps(properties, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def outputs_present(outputs: Mapping[str, Artifact]) -> bool:
    """Reuse needs the files: every output folder, and what it stands for elsewhere."""
    return all(fs.exists(uri) for artifact in outputs.values()
               for uri in [artifact.uri, *artifact.external_uris()])
