"""Run parameters: which `create_pipeline()` arguments can change per run, and where
their values go in the IR.

Any argument of `create_pipeline()` with a text, integer, float or boolean value
may become one. To find where it goes, the pipeline is built again with a test
value for that argument and the two IRs are compared: every place that changed
must hold the test value itself (or, for text, contain it, such as
`<root>/serving`). Those places are its bindings. An argument that is used in a
computation (`train_steps * 2`) or changes the pipeline's shape cannot be a run
parameter, and the compiler says so.
"""
from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from typing import Any, Callable, Iterator, Mapping, Sequence

from pipeline.ir.build import CompileError
from pipeline.ir.model import Binding, PipelineIR, RunParameter

SHIPPED = "it names a file shipped inside the compiled pipeline"
SCALAR_TYPES = {"str": str, "int": int, "float": float, "bool": bool}
_IGNORED_SECTIONS = ("files", "modules", "parameters")


class RunParameterError(ValueError):
    """A run parameter is unknown, of the wrong type, or cannot be traced."""


@dataclasses.dataclass(frozen=True)
class Traced:
    ir: PipelineIR
    skipped: dict[str, str]  # argument: why it is not a run parameter


def scalar_type(hint: Any, default: Any) -> tuple[str | None, bool]:
    """The scalar type name of an argument and whether None is its default."""
    optional = default is None
    if hint is inspect.Parameter.empty:
        hint = type(default) if default is not None else str
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else None
    name = next((n for n, t in SCALAR_TYPES.items() if hint is t), None)
    return name, optional


def _test_value(type_name: str, name: str, base: Any, index: int) -> Any:
    if type_name == "str":
        return f"/mlpipe-run-parameter-{name}"  # absolute, so path handling leaves it alone
    if type_name == "bool":
        return not base
    return 7_919_003 + index if type_name == "int" else 0.6180339 + index / 1000


def _leaves(doc: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(doc, dict):
        for key in sorted(doc):
            if not path and key in _IGNORED_SECTIONS:
                continue
            yield from _leaves(doc[key], path + (key,))
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            yield from _leaves(item, path + (index,))
    else:
        yield path, doc


def _bindings(base: dict, changed: dict, type_name: str, value: Any) -> tuple[Binding, ...]:
    before, after = dict(_leaves(base)), dict(_leaves(changed))
    if before.keys() != after.keys():
        raise RunParameterError("it changes the pipeline's shape")
    bindings = []
    for path, new in after.items():
        old = before[path]
        if new == old and type(new) is type(old):
            continue
        where = "/".join(map(str, path))
        if type_name == "str" and isinstance(new, str) and str(value) in new:
            bindings.append(Binding(path, tuple(new.split(str(value)))))
        elif new == value and type(new) is type(value):
            bindings.append(Binding(path))
        else:
            raise RunParameterError(f"it is used in a computation (it changes {where} "
                                    f"from {old!r} to {new!r})")
    if not bindings:
        raise RunParameterError("no component parameter uses it")
    return tuple(bindings)


def trace(create: Callable[..., Any], build: Callable[[Mapping[str, Any]], PipelineIR],
          given: Mapping[str, Any], declared: Sequence[str] | None = None) -> Traced:
    """The IR built with the `given` arguments, with its run parameters.

    `declared` names the arguments that must become run parameters (an error if
    one cannot); without it, every scalar argument that can become one does."""
    base = build(given)
    base_doc = base.to_dict()
    signature = inspect.signature(create)
    hints = typing.get_type_hints(create)
    parameters, skipped = [], {}
    for index, (name, arg) in enumerate(signature.parameters.items()):
        if arg.kind in (arg.VAR_POSITIONAL, arg.VAR_KEYWORD):
            continue
        if declared is not None and name not in declared:
            continue
        default = arg.default if arg.default is not inspect.Parameter.empty else None
        type_name, optional = scalar_type(hints.get(name, arg.annotation), default)
        reason = None
        shipped = {f.path for f in base.files.values()}
        if given.get(name, default) in shipped:
            reason = SHIPPED
        elif type_name is None or (optional and type_name != "str"):
            reason = "it is not a text, integer, float or boolean argument with a value"
        else:
            current = given.get(name, default)
            test = _test_value(type_name, name, current, index)
            try:
                changed = build({**given, name: test}).to_dict()
                bindings = _bindings(base_doc, changed, type_name, test)
            except RunParameterError as error:
                reason = str(error)
            except CompileError as error:
                reason = (SHIPPED if str(test) in str(error) else
                          f"the pipeline does not compile with a test value: {error}")
            except Exception as error:  # noqa: BLE001 - the user's code rejected the test value
                reason = f"create_pipeline() fails with a test value: {type(error).__name__}: {error}"
        if reason:
            skipped[name] = reason
            continue
        value = given.get(name, default)
        parameters.append(RunParameter(name, type_name, "" if value is None else value,
                                       bindings, optional))
    missing = [n for n in (declared or ()) if n not in {p.name for p in parameters}]
    if missing:
        name = missing[0]
        raise RunParameterError(f"create_pipeline() argument {name!r} cannot be a run "
                                f"parameter: {skipped.get(name, 'create_pipeline() has no such argument')}")
    return Traced(dataclasses.replace(base, parameters=tuple(parameters)), skipped)


def coerce(parameter: RunParameter, value: Any) -> Any:
    """A value (text from a command line, or typed) as the parameter's type."""
    return coerce_value(parameter.type, f"run parameter {parameter.name}", value)


def coerce_value(type_name: str, what: str, value: Any) -> Any:
    """`value` as `type_name` ("str", "int", "float", "bool"); `what` names it in errors."""
    if type_name == "bool" and isinstance(value, str):
        if value.lower() not in ("true", "false", "1", "0"):
            raise RunParameterError(f"{what} is a boolean: true or false, not {value!r}")
        return value.lower() in ("true", "1")
    try:
        return SCALAR_TYPES[type_name](value)
    except (TypeError, ValueError):
        raise RunParameterError(f"{what} is of type {type_name}; {value!r} is not") from None


def apply_parameters(ir: PipelineIR, values: Mapping[str, Any]) -> PipelineIR:
    """The IR with run parameter values put in place. Optional parameters left
    empty change nothing; set, they win over values derived from other parameters."""
    known = {p.name: p for p in ir.parameters}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise RunParameterError(f"unknown run parameter {unknown[0]!r}; pipeline {ir.name!r} "
                                f"has: {', '.join(known) or 'none'}")
    doc = ir.to_dict()
    for parameter in sorted(ir.parameters, key=lambda p: p.optional):
        value = values.get(parameter.name, parameter.default)
        if parameter.optional and value in (None, ""):
            continue
        value = coerce(parameter, value)
        for binding in parameter.bindings:
            _set(doc, binding.path, value if binding.parts is None else
                 str(value).join(binding.parts))
    return PipelineIR.from_dict(doc)


def _set(doc: Any, path: Sequence[Any], value: Any) -> None:
    for step in path[:-1]:
        doc = doc[step]
    doc[path[-1]] = value
