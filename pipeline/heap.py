"""Keeps CPython's garbage collector off the objects the TFX libraries create on import.

Importing TensorFlow, TFDV, TFT, Keras and TFMA leaves close to a million objects that
live as long as the process: functions, classes, their dicts, protos. CPython's cyclic
collector examines every one of them again in each full (generation 2) collection, and
the libraries' own work triggers those collections often. In a penguin run (measured
here, 2 cores) the collector took 1.8 s of 13.3, 1.45 s of it in 9 full collections:
0.83 s in 7 while the libraries were being imported, 0.64 s in 2 during Transform and
the Evaluator, which freed a few tens of thousands of objects. With the policy below it
takes 0.33 s in all.

`imports_kept_from_collection()` wraps the import of a component's executor: the
collector is paused while the libraries import, and what they created is then moved to
the permanent generation with `gc.freeze()`, which later collections skip. Freezing
changes nothing else: frozen objects are still freed when their reference count drops
to zero; only cycles among them wait for `release_frozen()`. Garbage left by earlier
components is collected first, so it is not frozen with them.

`release_frozen()` (`gc.unfreeze()`) ends that when a run ends, so a process that runs
pipeline after pipeline (`mlpipe watch`, a notebook, the tests) keeps nothing from one
run to the next that the collector would have freed.

Example:
    >>> from pipeline import heap
    >>> with heap.imports_kept_from_collection():
    ...     import tensorflow_model_analysis as tfma   # its objects are frozen after this
    >>> heap.release_frozen()                          # at the end of the run
"""
from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from typing import Iterator

EAGER_COLLECTION_ENV = "MLPIPE_GC_EVERYTHING"  # "1": collect as CPython does by default

_froze = False  # whether imports_kept_from_collection froze anything since the last release


def _policy_enabled() -> bool:
    return os.environ.get(EAGER_COLLECTION_ENV, "") not in ("1", "true", "yes")


@contextmanager
def imports_kept_from_collection() -> Iterator[None]:
    """Pauses the collector while the body imports, then freezes what exists.

    Garbage already pending is collected before (a collection that skips what earlier
    calls froze, so it costs little after the first). The collector is re-enabled
    afterwards only if it was enabled before. Does nothing but run the body when
    MLPIPE_GC_EVERYTHING=1."""
    global _froze
    if not _policy_enabled():
        yield
        return
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        _froze = True
        if was_enabled:
            gc.enable()


def release_frozen() -> None:
    """Returns every frozen object to the collector (`gc.unfreeze()`) if
    `imports_kept_from_collection()` froze any since the last call; the next full
    collection examines them again and frees cycles among those that are garbage. What
    the process froze itself is released with them; a run that loaded no executor (all
    cached, or MLPIPE_GC_EVERYTHING=1) leaves the collector as it was. Constant time
    (`gc.get_freeze_count()` would walk every frozen object)."""
    global _froze
    if _froze:
        gc.unfreeze()
        _froze = False
