"""Offline, strict validation of KServe custom resources (an InferenceService)
against KServe's own API types, as kubernetes-validate does for core kinds.

kubernetes-validate ships no CRD schemas, and the KServe SDK cannot be
installed beside this project's pins (0.13 needs protobuf < 4, 0.21 needs
protobuf >= 6.33). Its wheel, though, carries the API types generated from
KServe's OpenAPI definitions (`kserve/models/v1beta1_*.py`: for each type, the
JSON key and type of every field, and the required fields), which need
nothing but six and urllib3. So the pinned wheel is downloaded once (without
dependencies, never installed), those modules alone are loaded, and a
manifest is rebuilt through them: an unknown field, a value of the wrong
type or a missing required field is an error naming its path. Fields of core
Kubernetes types (ObjectMeta, Container parts, PodSecurityContext, ...) are
checked the same way against the installed `kubernetes` client's types.
"""
from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import types
import zipfile
from pathlib import Path

KSERVE_VERSION = "0.21.0"
CACHE = Path(os.environ.get("MLPIPE_TEST_CACHE", Path.home() / ".cache" / "mlpipe-tests"))
KINDS = {("serving.kserve.io/v1beta1", "InferenceService"): "V1beta1InferenceService"}
PRIMITIVES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


class KServeSchemaError(Exception):
    """The manifest does not match KServe's types; the message names the path."""


def _wheel() -> Path:
    folder = CACHE / f"kserve-{KSERVE_VERSION}"
    found = sorted(folder.glob("kserve-*.whl"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--disable-pip-version-check", f"kserve=={KSERVE_VERSION}", "-d",
                    str(folder)], check=True, timeout=300)
    return sorted(folder.glob("kserve-*.whl"))[0]


def _models_package() -> types.ModuleType:
    """`kserve.models` from the wheel: the generated API types and their
    Configuration, under a bare `kserve` package (the SDK's own __init__ would
    import its server and its protobuf-6 modules)."""
    if "kserve.models" in sys.modules:
        return sys.modules["kserve.models"]
    root = CACHE / f"kserve-{KSERVE_VERSION}" / "types"
    if not (root / "kserve" / "models").is_dir():
        with zipfile.ZipFile(_wheel()) as wheel:
            for name in wheel.namelist():
                if name == "kserve/configuration.py" or name.startswith("kserve/models/"):
                    wheel.extract(name, root)
        (root / "kserve" / "__init__.py").write_text("")
    package = types.ModuleType("kserve")
    package.__path__ = [str(root / "kserve")]
    sys.modules["kserve"] = package
    return importlib.import_module("kserve.models")


def _type_named(name: str) -> type:
    import kubernetes.client.models as core

    kserve = _models_package()
    found = getattr(kserve, name, None) or getattr(core, name, None)
    if found is None:
        raise KServeSchemaError(f"type {name} is in neither KServe's nor the kubernetes "
                                f"client's models")
    return found


def _build(value, type_name: str, path: str):
    """The value rebuilt as `type_name`, or KServeSchemaError at the first misfit."""
    if type_name == "object":
        return value
    if type_name in PRIMITIVES:
        wrong_bool = type_name != "bool" and isinstance(value, bool)
        if not isinstance(value, PRIMITIVES[type_name]) or wrong_bool:
            raise KServeSchemaError(f"{path}: expected {type_name}, got {value!r}")
        return value
    if type_name in ("datetime", "date"):
        return value
    listed = re.fullmatch(r"list\[(.+)\]", type_name)
    if listed:
        if not isinstance(value, list):
            raise KServeSchemaError(f"{path}: expected a list, got {value!r}")
        return [_build(item, listed.group(1), f"{path}[{i}]") for i, item in enumerate(value)]
    mapping = re.fullmatch(r"dict\(str, (.+)\)", type_name)
    if mapping:
        if not isinstance(value, dict):
            raise KServeSchemaError(f"{path}: expected a mapping, got {value!r}")
        return {key: _build(item, mapping.group(1), f"{path}.{key}")
                for key, item in value.items()}
    return _build_object(value, _type_named(type_name), path)


def _build_object(value, cls: type, path: str):
    if not isinstance(value, dict):
        raise KServeSchemaError(f"{path}: expected a {cls.__name__} object, got {value!r}")
    attribute_of = {key: attribute for attribute, key in cls.attribute_map.items()}
    unknown = sorted(set(value) - set(attribute_of))
    if unknown:
        raise KServeSchemaError(f"{path}: unknown field(s) {unknown} in {cls.__name__}")
    fields = {attribute_of[key]: _build(item, cls.openapi_types[attribute_of[key]],
                                        f"{path}.{key}")
              for key, item in value.items()}
    try:
        return cls(**fields)
    except ValueError as error:  # a required field missing, a value outside its enum
        raise KServeSchemaError(f"{path}: {error}") from None


def is_kserve_kind(doc: dict) -> bool:
    return (doc.get("apiVersion"), doc.get("kind")) in KINDS


def validate(doc: dict) -> None:
    """Raises KServeSchemaError unless `doc` is a valid KServe resource of a known kind."""
    kind = KINDS.get((doc.get("apiVersion"), doc.get("kind")))
    if kind is None:
        raise KServeSchemaError(f"{doc.get('apiVersion')}/{doc.get('kind')} is not a KServe "
                                f"kind this validator knows ({sorted(KINDS)})")
    if "status" in doc:
        raise KServeSchemaError("status is set by the controller, not by a manifest")
    _build_object(doc, _type_named(kind), doc["kind"])
