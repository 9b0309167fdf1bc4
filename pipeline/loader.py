"""Finds a pipeline definition (a Python file with a `create_pipeline()` function)
and compiles it to the IR that every runner consumes."""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import traceback
import typing
from types import ModuleType
from typing import Any, Callable, Mapping

from pipeline.dsl import Pipeline, PipelineDefinitionError

BUILTIN = {"penguin": "pipeline.examples.penguin.pipeline",
           "penguin_ct": "pipeline.examples.penguin_ct.pipeline",
           "taxi": "pipeline.examples.taxi.pipeline"}
DEFAULT = "penguin"


class PipelineLoadError(Exception):
    """The pipeline file is missing, raises, has no create_pipeline(), or rejects an option."""


def _where(error: BaseException, path: str) -> str:
    """`file:line` of the deepest traceback frame in the pipeline file (or of a syntax error)."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if os.path.abspath(f.filename) == os.path.abspath(path)]
    frame = frames[-1] if frames else traceback.extract_tb(error.__traceback__)[-1]
    return f"{frame.filename}:{frame.lineno}"


def _module(ref: str) -> ModuleType:
    if ref in BUILTIN:
        return importlib.import_module(BUILTIN[ref])
    if not os.path.isfile(ref):
        raise PipelineLoadError(f"{ref}: no such pipeline file (built-in pipelines: "
                                f"{', '.join(BUILTIN)})")
    name = "mlpipe_pipeline_" + os.path.splitext(os.path.basename(ref))[0]
    spec = importlib.util.spec_from_file_location(name, os.path.abspath(ref))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(ref)))
    sys.modules[name] = module  # so that its classes can be referenced and shipped
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - any error in the user's file, reported in one line
        del sys.modules[name]
        raise PipelineLoadError(f"{_where(error, ref)}: loading the pipeline file failed: "
                                f"{type(error).__name__}: {error}") from error
    return module


def _create_function(module: ModuleType, ref: str) -> Callable[..., Any]:
    create = getattr(module, "create_pipeline", None)
    if not callable(create):
        raise PipelineLoadError(f"{ref}: defines no create_pipeline() function; a pipeline "
                                f"file must define create_pipeline() returning a Pipeline")
    return create


def _checked_options(create: Callable[..., Any], ref: str,
                     options: Mapping[str, Any]) -> dict[str, Any]:
    """Options whose value is None are left to the pipeline's defaults; an option
    the function does not accept is an error, not silently dropped."""
    given = {k: v for k, v in options.items() if v is not None and v != ()}
    accepted = inspect.signature(create).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    rejected = [k for k in given if k not in accepted and not takes_any]
    if rejected:
        raise PipelineLoadError(f"{ref}: create_pipeline() takes no {', '.join(rejected)} "
                                f"argument; it takes: {', '.join(accepted) or 'nothing'}")
    return {k: _typed(create, k, v) for k, v in given.items()}


def _typed(create: Callable[..., Any], name: str, value: Any) -> Any:
    """A command-line text value as the argument's declared scalar type."""
    from pipeline.ir.run_parameters import coerce_value, scalar_type

    argument = inspect.signature(create).parameters.get(name)
    if not isinstance(value, str) or argument is None:
        return value
    default = None if argument.default is inspect.Parameter.empty else argument.default
    hint = typing.get_type_hints(create).get(name, argument.annotation)
    type_name, _ = scalar_type(hint, default)
    return value if type_name in (None, "str") else \
        coerce_value(type_name, f"create_pipeline() argument {name}", value)


def _call(create: Callable[..., Any], ref: str, arguments: Mapping[str, Any]) -> Pipeline:
    module_file = inspect.getsourcefile(create) or ref
    try:
        pipeline = create(**arguments)
    except PipelineDefinitionError:
        raise  # already says what is wrong with the definition
    except Exception as error:  # noqa: BLE001 - any error in the user's code, in one line
        raise PipelineLoadError(f"{_where(error, module_file)}: create_pipeline() failed: "
                                f"{type(error).__name__}: {error}") from error
    if not isinstance(pipeline, Pipeline):
        raise PipelineLoadError(f"{ref}: create_pipeline() returned {type(pipeline).__name__}, "
                                f"expected a Pipeline")
    return pipeline


def load_pipeline(ref: str | None = None, **options: Any) -> Pipeline:
    """Calls `create_pipeline(**options)` from a built-in name or a file path."""
    ref = ref or DEFAULT
    create = _create_function(_module(ref), ref)
    return _call(create, ref, _checked_options(create, ref, options))


def compile_pipeline(ref: str | None = None, **options: Any):
    """The IR of `create_pipeline(**options)`, with its run parameters: the ones the
    file declares in `RUN_PARAMETERS`, else every argument that can be one.
    Returns `pipeline.ir.run_parameters.Traced` (the IR and the arguments left out)."""
    from pipeline.ir.build import build_ir
    from pipeline.ir.run_parameters import trace

    ref = ref or DEFAULT
    module = _module(ref)
    create = _create_function(module, ref)
    given = _checked_options(create, ref, options)
    declared = getattr(module, "RUN_PARAMETERS", None)

    def build(arguments: Mapping[str, Any]):
        return build_ir(_call(create, ref, arguments), source=ref)

    return trace(create, build, given, declared)
