"""Code references in a compiled pipeline, and shipping the user's own modules.

A component class or executor function is referenced by module and name. When
that module is neither this project's nor installed (a component written in
the user's pipeline file, or in a file beside it), its source goes into the
compiled pipeline with every user module it imports, and `install` makes them
importable wherever the pipeline runs, under the same module names.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import sys
import tempfile
from typing import Any, Iterable

from pipeline.code.closure import ModuleKind, closure, locate


class CodeReferenceError(ValueError):
    """A class or function cannot be referenced from a compiled pipeline."""


@dataclasses.dataclass(frozen=True)
class CodeRef:
    """A top-level class or function: `module:name`."""

    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}:{self.name}"

    @classmethod
    def parse(cls, text: str) -> "CodeRef":
        module, _, name = text.partition(":")
        return cls(module, name)


@dataclasses.dataclass(frozen=True)
class UserModule:
    """The source of one user module, shipped with a compiled pipeline."""

    name: str
    is_package: bool
    source: str

    @property
    def relative_path(self) -> str:
        parts = self.name.split(".")
        return os.path.join(*parts, "__init__.py") if self.is_package \
            else os.path.join(*parts[:-1], f"{parts[-1]}.py")


def reference(obj: Any, what: str) -> CodeRef:
    """The reference of a top-level class or function; `what` names it in errors."""
    qualname = getattr(obj, "__qualname__", "")
    if not qualname or "<locals>" in qualname or "." in qualname:
        raise CodeReferenceError(f"{what}: {obj!r} is not defined at the top level of a "
                                 f"module; define it at module level so it can be shipped")
    return CodeRef(obj.__module__, qualname)


def check_resolvable(ref: CodeRef, what: str) -> None:
    """Fails unless `ref.module` exists and defines `ref.name` at its top level (read
    from the source, so that checking an executor imports no TensorFlow)."""
    problem = _unresolvable(ref)
    if problem:
        raise CodeReferenceError(f"{what}: {problem}")


@functools.lru_cache(maxsize=None)
def _unresolvable(ref: CodeRef) -> str | None:
    import ast

    located = _source_path(ref.module)
    if located is None:
        return (f"module {ref.module!r} (from {ref}) cannot be found; give the executor "
                f"as 'package.module:function' of an importable module, or as the function itself")
    with open(located, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef,
                                                              ast.AsyncFunctionDef))}
    defined |= {t.id for n in tree.body if isinstance(n, ast.Assign)
                for t in n.targets if isinstance(t, ast.Name)}
    defined |= {(a.asname or a.name).split(".")[0] for n in tree.body
                if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    if ref.name not in defined:
        return f"module {ref.module!r} defines no {ref.name!r} at its top level (from {ref}); fix the name"
    return None


def _source_path(module: str) -> str | None:
    loaded = sys.modules.get(module)
    if loaded is not None and getattr(loaded, "__file__", None):
        return loaded.__file__
    located = locate(module)
    return located[0] if located else None


def user_modules(module_names: Iterable[str]) -> list[UserModule]:
    """The user modules among `module_names` and every user module they import."""
    modules = closure(tuple(sorted(set(module_names)))).modules
    shipped = []
    for module in modules:
        if module.kind == ModuleKind.USER:
            with open(module.path, encoding="utf-8") as handle:
                shipped.append(UserModule(module.name, module.is_package, handle.read()))
    return shipped


def install(modules: Iterable[UserModule]) -> None:
    """Makes the shipped modules importable in this process and in the processes it
    starts (Beam workers). Modules already importable with the same source are
    used as they are; one importable with other source is an error, since the
    pipeline would run other code than was compiled."""
    missing = []
    for module in modules:
        path = _source_path(module.name)
        if path is None:
            missing.append(module)
            continue
        with open(path, encoding="utf-8") as handle:
            if handle.read() != module.source:
                raise CodeReferenceError(
                    f"module {module.name!r} at {path} differs from the one compiled into "
                    f"this pipeline; recompile the pipeline, or run it where that module "
                    f"is not importable")
    if missing:
        add_import_path(_write(missing))


def _write(modules: list[UserModule]) -> str:
    digest = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.name):
        digest.update(module.name.encode() + b"\0" + module.source.encode() + b"\0")
    folder = os.path.join(tempfile.gettempdir(), f"mlpipe-user-code-{os.getuid()}",
                          digest.hexdigest()[:16])
    for module in modules:
        target = os.path.join(folder, module.relative_path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        staged = f"{target}.{os.getpid()}.tmp"
        with open(staged, "w", encoding="utf-8") as handle:
            handle.write(module.source)
        os.replace(staged, target)
    return folder


def add_import_path(directory: str) -> None:
    """Importable here and in worker processes started later (Beam's multi-process
    DirectRunner workers inherit the environment)."""
    if directory not in sys.path:
        sys.path.insert(0, directory)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if directory not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([directory, *paths])


def resolve(ref: CodeRef) -> Any:
    """The object a reference names (its module imported)."""
    import importlib

    return getattr(importlib.import_module(ref.module), ref.name)

