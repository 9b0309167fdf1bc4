"""What code a component runs, found from import statements without importing it,
and cache keys that change exactly when that code (or a library it uses) changes."""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap

import pytest

from pipeline.code import closure as closure_module
from pipeline.code import user_code
from pipeline.code.closure import closure
from pipeline.dsl import Pipeline
from pipeline.runner import cache
from pipeline.runner.local import LocalRunner


def _names(module: str) -> set[str]:
    return {m.name for m in closure((module,)).modules}


def test_the_closure_follows_project_imports_transitively_and_nothing_else():
    example_gen = _names("components.example_gen.executor")
    assert {"components.example_gen.csv_reader", "components.common.splits", "pipeline.fs",
            "pipeline.dsl.context"} <= example_gen
    assert "components.example_gen.csv_reader" not in _names("components.statistics_gen.executor")
    libraries = dict(closure(("components.trainer.executor",)).libraries)
    assert libraries["tensorflow"] == importlib.metadata.version("tensorflow")


def test_finding_the_closure_imports_no_tensorflow():
    code = ("import sys\nfrom pipeline.code.closure import closure\n"
            "closure(('components.trainer.executor', 'components.evaluator.executor'))\n"
            "print(sorted(m for m in ('tensorflow', 'tensorflow_model_analysis', 'apache_beam') "
            "if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


@pytest.fixture
def fresh_caches():
    def clear():
        for function in (closure, closure_module.module_kind, closure_module._version,
                         cache.code_version, user_code._unresolvable):
            function.cache_clear()
    clear()
    yield clear
    clear()


def test_a_library_upgrade_changes_the_key_of_the_components_that_import_it(monkeypatch,
                                                                              fresh_caches):
    from components.statistics_gen.component import StatisticsGen
    from tests.runner.test_local import Writer

    before = cache.code_version(StatisticsGen.SPEC), cache.code_version(Writer.SPEC)
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9.9" if name ==
                        "tensorflow_data_validation" else real(name))
    fresh_caches()
    after = cache.code_version(StatisticsGen.SPEC), cache.code_version(Writer.SPEC)
    assert after[0] != before[0]  # StatisticsGen imports TFDV
    assert after[1] == before[1]  # the toy writer does not


WITH_HELPER = textwrap.dedent('''
    """The first and last steps: both use the shared helper."""
    from shared_helper import shout
    from tests.support.toy_ports import GraphPort, ModelPort, Nothing, SchemaPort, read, write

    from pipeline.dsl import Component, ComponentSpec


    def first(inputs, outputs, params, context):
        write(outputs.schema.uri, shout("data"))


    def last(inputs, outputs, params, context):
        write(outputs.model.uri, shout(read(inputs.graph.uri)))


    class First(Component):
        SPEC = ComponentSpec("First", Nothing, SchemaPort, Nothing, executor=first)

        def __init__(self):
            super().__init__(id=None, inputs={}, params=Nothing())


    class Last(Component):
        SPEC = ComponentSpec("Last", GraphPort, ModelPort, Nothing, executor=last)

        def __init__(self, graph):
            super().__init__(id=None, inputs={"graph": graph}, params=Nothing())
''')

WITHOUT_HELPER = textwrap.dedent('''
    """The middle step: it does not use the shared helper."""
    from tests.support.toy_ports import GraphPort, Nothing, SchemaPort, read, write

    from pipeline.dsl import Component, ComponentSpec


    def middle(inputs, outputs, params, context):
        write(outputs.graph.uri, read(inputs.schema.uri) + "|graph")


    class Middle(Component):
        SPEC = ComponentSpec("Middle", SchemaPort, GraphPort, Nothing, executor=middle)

        def __init__(self, schema):
            super().__init__(id=None, inputs={"schema": schema}, params=Nothing())
''')


def test_editing_a_shared_helper_reruns_exactly_the_components_that_import_it(
        tmp_path, monkeypatch, fresh_caches):
    project = tmp_path / "project"
    project.mkdir()
    (project / "shared_helper.py").write_text("def shout(text):\n    return text.upper()\n")
    (project / "steps_with_helper.py").write_text(WITH_HELPER)
    (project / "steps_without_helper.py").write_text(WITHOUT_HELPER)
    monkeypatch.syspath_prepend(str(project))
    import steps_with_helper
    import steps_without_helper

    def run():
        fresh_caches()
        first = steps_with_helper.First()
        middle = steps_without_helper.Middle(first.outputs.schema)
        last = steps_with_helper.Last(middle.outputs.graph)
        result = LocalRunner().run(Pipeline("chain", str(tmp_path / "root"), [first, middle, last]))
        return [c.status for c in result.components]

    assert run() == ["ran", "ran", "ran"]
    assert run() == ["cached", "cached", "cached"]
    with open(project / "shared_helper.py", "a") as handle:
        handle.write("# reviewed: no behaviour change\n")
    # First reruns to byte-identical output, so Middle (which does not import the
    # helper) is reused; Last imports the helper, so it reruns.
    assert run() == ["ran", "cached", "ran"]
    assert run() == ["cached", "cached", "cached"]


def test_import_statements_are_read_in_every_form():
    from pipeline.code.closure import imported_names

    source = textwrap.dedent('''
        import os, json as j
        from . import sibling
        from .helpers import (first,  # a comment
                              second)
        from outer.inner import thing as alias

        def later():
            import tensorflow as tf
            from components.common import splits
    ''')
    assert imported_names(source, "pkg.mod", False) == {
        "os", "json", "pkg", "pkg.sibling", "pkg.helpers", "pkg.helpers.first",
        "pkg.helpers.second", "outer.inner", "outer.inner.thing", "tensorflow",
        "components.common", "components.common.splits"}
