"""Finds a pipeline definition: a Python file with a `create_pipeline()` function."""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any

from pipeline.dsl import Pipeline

BUILTIN = {"penguin": "pipeline.examples.penguin.pipeline",
           "taxi": "pipeline.examples.taxi.pipeline"}
DEFAULT = "penguin"


class PipelineLoadError(Exception):
    """The pipeline file is missing, has no create_pipeline(), or rejects an option."""


def _module(ref: str):
    if ref in BUILTIN:
        return importlib.import_module(BUILTIN[ref])
    if not os.path.isfile(ref):
        raise PipelineLoadError(f"{ref}: no such pipeline file (built-in pipelines: "
                                f"{', '.join(BUILTIN)})")
    name = "mlpipe_pipeline_" + os.path.splitext(os.path.basename(ref))[0]
    spec = importlib.util.spec_from_file_location(name, ref)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(ref)))
    spec.loader.exec_module(module)
    return module


def load_pipeline(ref: str | None = None, **options: Any) -> Pipeline:
    """Calls `create_pipeline(**options)` from a built-in name or a file path.

    Options whose value is None are left to the pipeline's defaults; an option
    the function does not accept is an error, not silently dropped.
    """
    ref = ref or DEFAULT
    module = _module(ref)
    create = getattr(module, "create_pipeline", None)
    if not callable(create):
        raise PipelineLoadError(f"{ref}: defines no create_pipeline() function; a pipeline "
                                f"file must define create_pipeline() returning a Pipeline")
    given = {k: v for k, v in options.items() if v is not None and v != ()}
    accepted = inspect.signature(create).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    rejected = [k for k in given if k not in accepted and not takes_any]
    if rejected:
        raise PipelineLoadError(f"{ref}: create_pipeline() takes no {', '.join(rejected)} "
                                f"argument; it takes: {', '.join(accepted) or 'nothing'}")
    pipeline = create(**given)
    if not isinstance(pipeline, Pipeline):
        raise PipelineLoadError(f"{ref}: create_pipeline() returned {type(pipeline).__name__}, "
                                f"expected a Pipeline")
    return pipeline
