"""Loads functions from a user's module file and fingerprints it."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from types import ModuleType
from typing import Any, Callable

from pipeline.dsl import ComponentError


def file_sha256(path: str) -> str:
    """sha256 of the file's bytes: the module's code version."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def load_module(path: str) -> ModuleType:
    """Imports a module file by path, under a name unique to its content."""
    if not os.path.isfile(path):
        raise ComponentError(f"{path}: module file not found; module_file must name a Python "
                             f"file defining the user functions")
    name = f"mlpipe_user_module_{file_sha256(path)[:16]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[name]
        raise
    return module


def load_function(path: str, function_name: str) -> Callable[..., Any]:
    """The function `function_name` of the module file at `path`."""
    function = getattr(load_module(path), function_name, None)
    if not callable(function):
        raise ComponentError(f"{path}: defines no function {function_name!r}; the module file "
                             f"must define it (or name another in the pipeline definition)")
    return function
