"""Modules the TFX libraries import when they are imported but a pipeline run seldom
uses, executed only when first used.

TFMA imports `scipy.stats` for its confidence intervals and, through its ROUGE metric,
`rouge_score` and all of nltk (which imports `scipy.stats` again); Beam's IO package
imports BigQuery's client. Together that is about 600 modules and 0.9 s of a 16 s
penguin run (measured here, 2 cores), for code that runs only when a pipeline asks for
confidence intervals, text metrics or BigQuery.

`defer_unused_imports()` puts each of those modules in `sys.modules` as a module that
is created from its real spec (name, file, package path, loader) but not yet executed.
`import nltk` and `from scipy import stats` then bind that module. The first lookup of
a name the module does not have yet executes its code into that same object, with the
same loader the import system would have used, and from then on it is an ordinary
module: one object, no copies, nothing patched. This is what the standard library's
`importlib.util.LazyLoader` does, except that the import statements themselves (which
read `__spec__`, `__path__` and `__file__`) and tools that scan `sys.modules` for
`__file__` (TensorFlow's autograph does) do not execute the module.

TensorFlow also imports `distutils`, and setuptools' shim (its `distutils-precedence.pth`)
answers with setuptools' own copy, which imports setuptools and `pkg_resources` (a scan
of every installed distribution): 0.19 s. On Python 3.11 the standard library's
`distutils` gives TensorFlow the same answer; `use_standard_distutils()` removes the
shim, as `SETUPTOOLS_USE_DISTUTILS=stdlib` would have at startup.

Example:
    >>> from pipeline.deferred_imports import trim_library_imports
    >>> trim_library_imports()          # before TensorFlow, Beam or TFMA is imported
    >>> import tensorflow_model_analysis as tfma   # scipy.stats and nltk not executed
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
from dataclasses import dataclass

EAGER_ENV = "MLPIPE_EAGER_IMPORTS"  # set to 1 to import everything as the libraries ask


@dataclass(frozen=True)
class DeferredModule:
    """One module to defer; its parent package must be importable without it."""

    name: str
    used_by: str


DEFERRED = (
    DeferredModule("scipy.stats", "TFMA's confidence intervals (tfma.utils.math_util)"),
    DeferredModule("nltk", "TFMA's ROUGE metric (rouge_score)"),
    DeferredModule("nltk.stem", "TFMA's ROUGE metric (rouge_score.tokenizers)"),
    DeferredModule("nltk.stem.porter", "TFMA's ROUGE metric with stemming"),
    DeferredModule("google.cloud.bigquery", "Beam's BigQuery IO (apache_beam.io.gcp)"),
)


class _NotYetExecuted(types.ModuleType):
    """A module whose code runs at the first lookup of a name it lacks."""

    def __getattr__(self, attribute: str) -> object:
        _execute(self)
        return getattr(self, attribute)


_lock = threading.RLock()
_executing: set[str] = set()


def _execute(module: types.ModuleType) -> None:
    """Runs the module's code into the module, once; other threads wait until it has
    run. A lookup of a missing name by the module's own code while it runs fails as
    it would in an ordinary import."""
    with _lock:
        name = module.__name__
        if name in _executing:
            raise AttributeError(f"partially initialized module {name!r} has no such "
                                 "attribute yet")
        _execute_parent(name)  # a package runs before its submodules, as in any import
        if type(module) is not _NotYetExecuted:
            return  # the parent's code, or another thread, ran it already
        _executing.add(name)
        try:
            module.__spec__.loader.exec_module(module)
        except BaseException:
            if sys.modules.get(name) is module:
                del sys.modules[name]  # as the import system does when a module fails
            raise
        finally:
            _executing.discard(name)
            module.__class__ = types.ModuleType


def _execute_parent(name: str) -> None:
    parent = sys.modules.get(name.rpartition(".")[0])
    if type(parent) is _NotYetExecuted and parent.__name__ not in _executing:
        _execute(parent)


def defer_unused_imports(modules: tuple[DeferredModule, ...] = DEFERRED) -> list[str]:
    """Puts each of `modules` (in order: a package before its submodules) that is
    installed as Python source and not yet imported into `sys.modules` unexecuted;
    returns their names. Does nothing when `MLPIPE_EAGER_IMPORTS` is 1. Safe to call
    more than once."""
    if os.environ.get(EAGER_ENV) == "1":
        return []
    deferred = []
    for entry in modules:
        if entry.name not in sys.modules and _defer(entry.name):
            deferred.append(entry.name)
    return deferred


def is_deferred(name: str) -> bool:
    """Whether `name` is in `sys.modules` and its code has not run yet."""
    return type(sys.modules.get(name)) is _NotYetExecuted


def _defer(name: str) -> bool:
    spec = _find_spec(name)
    if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
        return False  # not installed, or not plain Python source: import it as usual
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _NotYetExecuted
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return True


def _find_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """The module's spec, found without executing it or a deferred parent."""
    parent, _, _ = name.rpartition(".")
    if not parent:
        return importlib.machinery.PathFinder.find_spec(name)
    if parent not in sys.modules:
        try:
            importlib.import_module(parent)
        except ImportError:
            return None
    search_path = getattr(sys.modules[parent], "__path__", None)
    if search_path is None:
        return None
    return importlib.machinery.PathFinder.find_spec(name, list(search_path))


def use_standard_distutils() -> bool:
    """Removes setuptools' distutils shim if the standard library still has `distutils`
    (Python < 3.12) and nothing has imported it yet; returns whether it did. Does
    nothing when `MLPIPE_EAGER_IMPORTS` is 1."""
    if os.environ.get(EAGER_ENV) == "1" or "distutils" in sys.modules:
        return False
    shim = sys.modules.get("_distutils_hack")
    standard = importlib.machinery.PathFinder.find_spec("distutils")
    if shim is None or standard is None or not hasattr(shim, "remove_shim"):
        return False
    shim.remove_shim()
    return True


_trimmed = False


def trim_library_imports() -> None:
    """Both savings, once a process, before any TFX library is imported (components
    call it before loading their executor)."""
    global _trimmed
    with _lock:
        if not _trimmed:
            defer_unused_imports()
            use_standard_distutils()
            _trimmed = True
