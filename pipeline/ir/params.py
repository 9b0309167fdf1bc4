"""Component parameters to JSON and back, guided by the parameters dataclass's types."""
from __future__ import annotations

import collections.abc
import dataclasses
import enum
import types
import typing
from typing import Any

from pipeline.dsl.component import params_to_dict

__all__ = ["params_to_dict", "params_from_dict", "ParamsError"]


class ParamsError(ValueError):
    """A compiled parameter value does not fit its declared type."""


def params_from_dict(params_type: type, data: dict[str, Any]) -> Any:
    """The parameters dataclass instance that `params_to_dict` turned into `data`."""
    return _convert(params_type, data, params_type.__name__)


def _convert(hint: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            raise ParamsError(f"{where}: expected an object for {hint.__name__}, got {value!r}")
        hints = typing.get_type_hints(hint)
        known = {f.name for f in dataclasses.fields(hint) if f.init}
        unknown = set(value) - known
        if unknown:
            raise ParamsError(f"{where}: unknown parameters {sorted(unknown)}; "
                              f"{hint.__name__} takes {sorted(known)}")
        return hint(**{k: _convert(hints[k], v, f"{where}.{k}") for k, v in value.items()})
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        candidates = [a for a in args if a is not type(None)]
        return _convert(candidates[0], value, where) if len(candidates) == 1 else value
    if origin is tuple:
        items = args[:1] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        return tuple(_convert(h, v, where) for h, v in zip(items, value)) if items \
            else tuple(value)
    if origin in (list, collections.abc.Sequence):
        return [_convert(args[0], v, where) for v in value] if args else list(value)
    if origin in (dict, collections.abc.Mapping):
        value_hint = args[1] if len(args) == 2 else Any
        return {k: _convert(value_hint, v, where) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            raise ParamsError(f"{where}: {value!r} is not one of "
                              f"{', '.join(repr(m.value) for m in hint)}") from None
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
