"""Beam's signature inspection, remembered per function while an in-process pipeline is
built and run.

Beam reads the signature of every method of every DoFn, again and again:
`userstate.get_dofn_specs` walks `dir(dofn)` and wraps each bound method in a
`MethodWrapper`, which calls `inspect.signature`, when the DoFn is applied, when the
pipeline is turned into its runner API proto, and each time the worker builds a bundle
processor; `CallableWrapperDoFn` and type hints read them once more. `inspect.signature`
builds a new `Signature` each time (about 20 us for a small method). In a penguin run
that came to about 1 s of 12 (measured here, 2 cores).

`cached_signatures()` makes Beam's `get_signature` remember its answer per function
(for a bound method, per its underlying function: the signature of a bound method does
not depend on the instance). An answer is reused only while the function's
`__defaults__`, `__kwdefaults__` and `__signature__` are the same objects as when it
was read, since Beam's DoFn parameters are declared as defaults. Functions are held
weakly: the memo keeps nothing alive. Callables that cannot be hashed or weakly
referenced are inspected every time, as before.

Example:
    >>> from apache_beam.typehints import decorators
    >>> def process(element, window=None): ...
    >>> with cached_signatures():
    ...     decorators.get_signature(process) is decorators.get_signature(process)
    True
"""
from __future__ import annotations

import contextlib
import inspect
import threading
import types
import weakref
from typing import Any

from apache_beam.transforms import core, ptransform
from apache_beam.transforms import util as beam_util
from apache_beam.typehints import decorators

from pipeline.dsl.scoped_patch import ScopedPatch

_Stamp = tuple[Any, Any, Any]

_lock = threading.Lock()
_functions: weakref.WeakKeyDictionary[Any, tuple[_Stamp, inspect.Signature]] = \
    weakref.WeakKeyDictionary()
_methods: weakref.WeakKeyDictionary[Any, tuple[_Stamp, inspect.Signature]] = \
    weakref.WeakKeyDictionary()  # keyed by the bound method's __func__


def _stamp(function: Any) -> _Stamp:
    return (getattr(function, "__defaults__", None), getattr(function, "__kwdefaults__", None),
            getattr(function, "__signature__", None))


def _same(first: _Stamp, second: _Stamp) -> bool:
    return all(a is b for a, b in zip(first, second))


def _remembered_signature(func: Any) -> inspect.Signature:
    """Beam's `get_signature(func)`, read once per function (see the module docstring)."""
    bound = isinstance(func, types.MethodType)
    target, memo = (func.__func__, _methods) if bound else (func, _functions)
    stamp = _stamp(target)
    try:
        with _lock:
            entry = memo.get(target)
    except TypeError:  # unhashable, or no weak references: inspect it every time
        return _SIGNATURES.original(decorators, "get_signature")(func)
    if entry is not None and _same(entry[0], stamp):
        return entry[1]
    signature = _SIGNATURES.original(decorators, "get_signature")(func)
    with _lock:
        memo[target] = (stamp, signature)
    return signature


_SIGNATURES = ScopedPatch(*[(module, "get_signature", _remembered_signature)
                            for module in (decorators, core, ptransform, beam_util)])


def cached_signatures() -> contextlib.AbstractContextManager[None]:
    """While inside, Beam's `get_signature` (and the modules that imported it by name)
    remember their answers; re-entrant and thread-safe."""
    return _SIGNATURES.active()
