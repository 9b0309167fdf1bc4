"""Loads functions from a user's module file and fingerprints it."""
from __future__ import annotations

import hashlib
import importlib
import os
import sys
import tempfile
from types import ModuleType
from typing import Any, Callable

from pipeline import fs
from pipeline.code.user_code import add_import_path
from pipeline.dsl import ComponentError


def file_sha256(path: str) -> str:
    """sha256 of the file's bytes: the module's code version."""
    return hashlib.sha256(fs.read_bytes(path)).hexdigest()


def load_module(path: str) -> ModuleType:
    """Imports a module file (a local path or a URI such as gs://) under a name
    unique to its content.

    The file is copied to `<tmp>/mlpipe-user-modules-<uid>/<name>.py` and imported from
    there, so that Beam workers in other processes can unpickle functions that
    refer to it. Its own folder is deliberately not put on the import path: a
    `pipeline.py` beside it would shadow this framework's `pipeline` package.
    """
    if not fs.isfile(path):
        raise ComponentError(f"{path}: module file not found; module_file must name a Python "
                             f"file defining the user functions")
    content = fs.read_bytes(path)
    name = f"mlpipe_user_module_{hashlib.sha256(content).hexdigest()[:16]}"
    if name in sys.modules:
        return sys.modules[name]
    directory = os.path.join(tempfile.gettempdir(), f"mlpipe-user-modules-{os.getuid()}")
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, f"{name}.py")
    if not os.path.isfile(target):
        staged = f"{target}.{os.getpid()}.tmp"
        with open(staged, "wb") as handle:
            handle.write(content)
        os.replace(staged, target)
    add_import_path(directory)
    return importlib.import_module(name)


def load_function(path: str, function_name: str) -> Callable[..., Any]:
    """The function `function_name` of the module file at `path`."""
    function = getattr(load_module(path), function_name, None)
    if not callable(function):
        raise ComponentError(f"{path}: defines no function {function_name!r}; the module file "
                             f"must define it (or name another in the pipeline definition)")
    return function
