"""A two-component pipeline whose first component waits: something to interrupt.

`Slow` creates the file `marker` once it runs, then sleeps `seconds`; `After`
consumes its output. Written to a file by the tests that run it.
"""
from __future__ import annotations

import textwrap

SLOW_PIPELINE = textwrap.dedent('''
    import dataclasses
    import time

    from pipeline.dsl import Component, ComponentSpec, Pipeline
    from tests.support.toy_ports import GraphPort, Nothing, SchemaPort


    @dataclasses.dataclass(frozen=True)
    class Wait:
        marker: str
        seconds: float


    def wait(inputs, outputs, params, context):
        open(params.marker, "w").close()
        time.sleep(params.seconds)


    def after(inputs, outputs, params, context):
        pass


    class Slow(Component):
        SPEC = ComponentSpec("Slow", Nothing, SchemaPort, Wait, executor=wait)

        def __init__(self, marker, seconds):
            super().__init__(id=None, inputs={}, params=Wait(marker, seconds))


    class After(Component):
        SPEC = ComponentSpec("After", SchemaPort, GraphPort, Nothing, executor=after)

        def __init__(self, schema):
            super().__init__(id=None, inputs={"schema": schema}, params=Nothing())


    def create_pipeline(root="out", marker="started", seconds: float = 120.0):
        slow = Slow(marker, seconds)
        return Pipeline("slow", root, [slow, After(slow.outputs.schema)])
''')
