"""Module attributes replaced while at least one user is inside a `with` block.

In-process Beam pipelines swap a few of Beam's functions for faster equivalents (see
`in_process_beam`) only while they are built and run, so that everything else in the
process, and every other runner, sees Beam as it is. Pipelines may run on several
threads at once, and nest, so the swap is counted: the first user in installs the
replacements, the last one out puts Beam's own functions back.

Example:
    >>> import json
    >>> patch = ScopedPatch((json, "dumps", lambda *a, **k: "{}"))
    >>> with patch.active():
    ...     json.dumps({"a": 1})
    '{}'
    >>> patch.original(json, "dumps") is json.dumps   # outside: the module's own
    True
"""
from __future__ import annotations

import contextlib
import threading
import types
from typing import Any, Iterator

Replacement = tuple[types.ModuleType, str, Any]


class ScopedPatch:
    """Replaces `module.name` by `value` for each replacement while `active()`;
    re-entrant and thread-safe."""

    def __init__(self, *replacements: Replacement) -> None:
        self._replacements = replacements
        self._lock = threading.Lock()
        self._depth = 0
        self._originals: dict[tuple[str, str], Any] = {}

    def original(self, module: types.ModuleType, name: str) -> Any:
        """What `module.name` was before the patch (what it is, when not active)."""
        return self._originals.get((module.__name__, name), getattr(module, name))

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """The replacements are in place from entering until the last user leaves."""
        with self._lock:
            if self._depth == 0:
                self._originals = {(module.__name__, name): getattr(module, name)
                                   for module, name, _ in self._replacements}
                for module, name, value in self._replacements:
                    setattr(module, name, value)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    for module, name, _ in self._replacements:
                        setattr(module, name, self._originals[(module.__name__, name)])
                    self._originals = {}
