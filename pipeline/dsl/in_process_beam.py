"""Beam's fixed costs per function and per transform, cut when the pipeline runs in
this process (`beam_pipeline`; the options' views are in `_InProcessOptions`, the
signatures Beam reads of every DoFn method in `beam_signatures`).

Beam serializes every DoFn, CombineFn and coder of a pipeline when it runs it (its
runner API proto), and the worker deserializes them again. Beam's dill pickler
compresses each one with bz2 at level 9, to keep Dataflow job graphs small; bz2 sets
up its 900 kB block for every call, about 0.7 ms for a few kB. A default penguin run
serializes about 2,500 functions and coders and loads about 3,300: 1.7-2.1 s and
0.5-0.6 s of a 17-20 s run, measured. And every call resets dill's trace logger, which
clears the cache of each of the process's ~300 loggers.

On the DirectRunner in this process (in_memory or multi_threading: the worker is this
interpreter) nothing of that leaves the process. Inside `in_process_pickling()` Beam's
dill pickler compresses with zlib at level 1 (0.04 ms) and skips the trace reset; its
loads reads both zlib and bz2 (what was serialized before, or by Beam's fallback). A
function dill cannot serialize goes to Beam's own path, which retries with the trace on
and raises what Beam raises. Outside the context, and for every other runner or mode
(workers in other processes load with Beam's own code), Beam is untouched.

    with in_process_pickling():
        payload = pickler.dumps(fn)   # zlib
    pickler.loads(payload)            # Beam's own loads (bz2 only) would fail here:
                                      # so only in-process pipelines use the context
"""
from __future__ import annotations

import base64
import bz2
import contextlib
import zlib
from typing import Any, Callable, Sequence, TypeVar

import apache_beam as beam
import dill
from apache_beam.internal import dill_pickler
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from pipeline.dsl.beam_signatures import cached_signatures
from pipeline.dsl.scoped_patch import ScopedPatch

_Options = TypeVar("_Options", bound=PipelineOptions)
_BZ2_MAGIC = b"BZh"
_ZLIB_LEVEL = 1


def runs_in_process(options: PipelineOptions) -> bool:
    """Whether the pipeline's workers are this interpreter: the DirectRunner in
    in_memory (mlpipe's default) or multi_threading mode."""
    runner = options.view_as(StandardOptions).runner
    mode = options.view_as(DirectOptions).direct_running_mode
    return runner in (None, "DirectRunner") and mode in ("in_memory", "multi_threading")


def beam_pipeline(args: Sequence[str]) -> beam.Pipeline:
    """A Beam pipeline with the options `args`. One that runs in this process pickles the
    in-process way and remembers the signatures Beam reads from entering its `with` block
    until it has run, and builds each view of its options once."""
    if runs_in_process(PipelineOptions(args)):
        return _InProcessPipeline(options=_InProcessOptions(args))
    return beam.Pipeline(options=PipelineOptions(args))


class _InProcessPipeline(beam.Pipeline):
    def __enter__(self) -> "_InProcessPipeline":
        self._patches = contextlib.ExitStack()
        self._patches.enter_context(in_process_pickling())
        self._patches.enter_context(cached_signatures())
        return super().__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        try:
            super().__exit__(*exc_info)
        finally:
            self._patches.close()


class _InProcessOptions(PipelineOptions):
    """Options whose views are built once. Beam asks for a TypeOptions view for every
    transform it applies (1,681 times in a penguin run), and each view parses the flags
    again with a new argparse parser: 0.7 s a run. A view reads and writes the values
    of the options it came from, so one view per class serves every caller."""

    def view_as(self, cls: type[_Options]) -> _Options:
        views = self.__dict__.setdefault("_views", {})
        if cls not in views:
            views[cls] = super().view_as(cls)
        return views[cls]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_views", None)
        return state


def in_process_pickling() -> contextlib.AbstractContextManager[None]:
    """Beam's dill pickler with zlib and without the trace reset while inside (see the
    module docstring); re-entrant and thread-safe: Beam's own functions are back when
    the last user leaves."""
    return _PICKLING.active()


def _dumps(o: Any, enable_trace: bool = True, use_zlib: bool = False) -> bytes:
    try:
        with dill_pickler._pickle_lock:
            serialized = dill.dumps(o, byref=dill_pickler.settings["dill_byref"])
    except Exception:  # noqa: BLE001 - Beam's own path retries with the trace and raises
        return _beam()[0](o, enable_trace=enable_trace, use_zlib=use_zlib)
    return base64.b64encode(zlib.compress(serialized, _ZLIB_LEVEL))


def _loads(encoded: bytes | str, enable_trace: bool = True, use_zlib: bool = False) -> Any:
    compressed = base64.b64decode(encoded)
    is_bz2 = compressed[:3] == _BZ2_MAGIC  # a zlib stream never starts so (its CM is 8)
    serialized = bz2.decompress(compressed) if is_bz2 else zlib.decompress(compressed)
    try:
        with dill_pickler._pickle_lock:
            return dill.loads(serialized)
    except Exception:  # noqa: BLE001 - Beam's own path retries with the trace and raises
        return _beam()[1](encoded, enable_trace=enable_trace, use_zlib=not is_bz2)


def _beam() -> tuple[Callable[..., bytes], Callable[..., Any]]:
    return _PICKLING.original(dill_pickler, "dumps"), _PICKLING.original(dill_pickler, "loads")


_PICKLING = ScopedPatch((dill_pickler, "dumps", _dumps), (dill_pickler, "loads", _loads))
