"""What code an executor really runs: the transitive imports of a module.

The cache key of a component must change when any code it runs changes: its
executor's module, every module of this project or of the user's that it imports
(transitively, function-level imports included), and the versions of the
third-party libraries it imports. This walks import statements in the source
(no module is executed except package `__init__`s that `find_spec` needs), so
a fully cached run still imports no TensorFlow.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import importlib.util
import os
import re
import site
import sys
import sysconfig

PROJECT_PACKAGES = ("pipeline", "components")
# Import names whose distribution name is not the import name.
_DISTRIBUTIONS = {"google.protobuf": "protobuf", "yaml": "PyYAML", "sklearn": "scikit-learn",
                  "tf_keras": "tf-keras", "absl": "absl-py", "google.cloud.storage":
                  "google-cloud-storage"}


class ModuleKind:
    PROJECT = "project"      # this framework: pipeline.*, components.*
    USER = "user"            # anything else not installed: the user's own files
    INSTALLED = "installed"  # site-packages and the standard library


@dataclasses.dataclass(frozen=True)
class ModuleSource:
    """One module of the closure with the file it is read from."""

    name: str
    path: str
    is_package: bool
    kind: str


@dataclasses.dataclass(frozen=True)
class Closure:
    """The project and user modules reached from some roots, and the versions of
    the installed distributions they import."""

    modules: tuple[ModuleSource, ...]
    libraries: tuple[tuple[str, str], ...]


@functools.lru_cache(maxsize=None)
def _installed_roots() -> tuple[str, ...]:
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths.update(site.getsitepackages())
    return tuple(os.path.realpath(p) + os.sep for p in paths)


def _top_level_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """Finding a top-level module executes nothing (a submodule's would import its parent)."""
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


@functools.lru_cache(maxsize=None)
def module_kind(name: str) -> str | None:
    """Whether a module is this project's, installed, or the user's; None if not found."""
    top = name.split(".")[0]
    if top in PROJECT_PACKAGES:
        return ModuleKind.PROJECT
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return ModuleKind.INSTALLED
    spec = _top_level_spec(top)
    if spec is None:
        return None
    origin = spec.origin if spec.has_location else None
    locations = list(spec.submodule_search_locations or [])
    path = os.path.realpath(origin or (locations[0] if locations else ""))
    if not path or path.startswith(_installed_roots()) or "site-packages" in path:
        return ModuleKind.INSTALLED
    return ModuleKind.USER


def locate(name: str) -> tuple[str, bool] | None:
    """The source file of a module and whether it is a package, found on disk
    without importing anything (`find_spec` of a submodule would import its parent)."""
    top, *rest = name.split(".")
    spec = _top_level_spec(top)
    if spec is None:
        return None
    if not rest:
        origin = spec.origin if spec.has_location else None
        return (origin, spec.submodule_search_locations is not None) \
            if origin and origin.endswith(".py") else None
    folders = list(spec.submodule_search_locations or [])
    found = None
    for part in rest:
        if not folders:
            return None
        found = _child(folders, part)
        if found is None:
            return None
        folders = [os.path.dirname(found[0])] if found[1] else []
    return found


def _child(folders: list[str], part: str) -> tuple[str, bool] | None:
    for folder in folders:
        package = os.path.join(folder, part, "__init__.py")
        if os.path.isfile(package):
            return package, True
        module = os.path.join(folder, f"{part}.py")
        if os.path.isfile(module):
            return module, False
    return None


_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|.*)"
                     r"|import[ \t]+(.*))", re.MULTILINE)


def imported_names(source: str, module: str, is_package: bool) -> set[str]:
    """Every dotted name an import statement of `source` may refer to, at any depth.

    Read with a pattern rather than a parser (a cached rerun scans every module of
    the closure): lines that merely look like imports (in a string) only add
    names, which makes a key more cautious, never less."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for match in _IMPORT.finditer(source):
        base, imported, plain = match.groups()
        if plain is not None:
            names.update(n.split()[0] for n in plain.split("#")[0].split(",") if n.strip())
            continue
        level = len(base) - len(base.lstrip("."))
        base = base.lstrip(".")
        if level:
            parts = package.split(".")[:len(package.split(".")) - level + 1]
            base = ".".join([*parts, base]) if base else ".".join(parts)
        names.add(base)
        lines = (line.split("#")[0] for line in imported.strip("()").splitlines())
        for item in ",".join(lines).split(","):
            words = item.split()
            if words and words[0].isidentifier():
                names.add(f"{base}.{words[0]}")
    return {n for n in names if n and all(p.isidentifier() for p in n.split("."))}


def _distribution_version(name: str) -> tuple[str, str] | None:
    top = name.split(".")[0]
    for candidate in (".".join(name.split(".")[:3]), ".".join(name.split(".")[:2]), top):
        distribution = _DISTRIBUTIONS.get(candidate, candidate if candidate == top else None)
        version = _version(distribution) if distribution else None
        if version:
            return distribution, version
    return None


@functools.lru_cache(maxsize=None)
def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@functools.lru_cache(maxsize=None)
def closure(roots: tuple[str, ...]) -> Closure:
    """The modules reached from `roots` (module names) through import statements.

    A package's `__init__` runs whenever one of its modules is imported, so it
    is part of the closure; its own imports (re-exports, mostly) are followed
    only when some module imports the package itself (`from pkg import name`
    takes `name` through them)."""
    modules: dict[str, ModuleSource] = {}
    libraries: dict[str, str] = {}
    followed: set[str] = set()
    pending = [(name, True) for name in roots]
    while pending:
        name, follow = pending.pop()
        if name in followed or (name in modules and not follow):
            continue
        kind = module_kind(name)
        if kind == ModuleKind.INSTALLED:
            if name.split(".")[0] not in sys.stdlib_module_names:
                found = _distribution_version(name)
                if found:
                    libraries[found[0]] = found[1]
            continue
        located = locate(name) if kind else None
        if located is None:
            continue  # an attribute imported `from` a module, or not there at all
        path, is_package = located
        modules[name] = ModuleSource(name, path, is_package, kind)
        pending.extend((name.rsplit(".", i)[0], False) for i in range(1, name.count(".") + 1))
        if follow:
            followed.add(name)
            pending.extend((n, True) for n in imported_names(_read(path), name, is_package))
    return Closure(tuple(sorted(modules.values(), key=lambda m: m.name)),
                   tuple(sorted(libraries.items())))
