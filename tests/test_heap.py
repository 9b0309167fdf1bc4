"""The collector policy around executor imports: what an import creates is frozen, the
garbage before it is not, the collector resumes, and released objects are freed again.
Each check runs in a new interpreter, so the test session's own collector is untouched."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

LIBRARY = """
import gc
ENABLED_WHILE_IMPORTING = gc.isenabled()
TABLE = [[i] for i in range(50_000)]   # long-lived, as a library's objects are
class Node:
    pass
CYCLE = Node()
CYCLE.self = CYCLE
"""

PRELUDE = """
import gc, json, sys, weakref
from pipeline import heap
freed = []
def watched_cycle(label):
    node = type("Node", (), {})()
    node.self = node
    weakref.finalize(node, freed.append, label)
    return node
"""


def _child(code: str, tmp_path: Path, **env: str) -> dict[str, Any]:
    """Runs PRELUDE + `code` in a new interpreter with a module `library` (LIBRARY) on its
    path; returns the JSON object it prints last."""
    (tmp_path / "library.py").write_text(LIBRARY)
    inherited = {k: v for k, v in os.environ.items() if k != "MLPIPE_GC_EVERYTHING"}
    environment = {**inherited, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), os.environ.get("PYTHONPATH", "")]), **env}
    child = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)], text=True,
                           capture_output=True, env=environment, timeout=300)
    assert child.returncode == 0, child.stderr[-3000:]
    return json.loads(child.stdout.strip().splitlines()[-1])


def test_what_an_import_creates_is_frozen_and_the_collector_resumes(tmp_path):
    seen = _child("""
        before = gc.get_freeze_count()
        with heap.imports_kept_from_collection():
            import library
        tracked = {id(o) for o in gc.get_objects()}
        print(json.dumps({
            "paused": not library.ENABLED_WHILE_IMPORTING, "enabled_after": gc.isenabled(),
            "frozen": gc.get_freeze_count() - before,
            "rows_tracked": sum(id(row) in tracked for row in library.TABLE),
            "rows_collectable": all(gc.is_tracked(row) for row in library.TABLE)}))
    """, tmp_path)
    assert seen["paused"] and seen["enabled_after"]
    assert seen["frozen"] >= 50_000
    assert seen["rows_collectable"]  # objects the collector would examine...
    assert seen["rows_tracked"] == 0  # ...but no generation holds them: collections skip them


def test_garbage_waiting_before_the_import_is_collected_not_frozen(tmp_path):
    seen = _child("""
        gc.disable()                 # no automatic collection between here and the import
        watched_cycle("before")      # unreachable at once, but only a collection frees it
        gc.enable()
        with heap.imports_kept_from_collection():
            import library
        print(json.dumps({"freed": freed}))
    """, tmp_path)
    assert seen["freed"] == ["before"]


def test_a_collector_turned_off_by_the_caller_stays_off(tmp_path):
    seen = _child("""
        gc.disable()
        with heap.imports_kept_from_collection():
            import library
        print(json.dumps({"enabled_after": gc.isenabled()}))
    """, tmp_path)
    assert seen["enabled_after"] is False


def test_frozen_cycles_are_freed_once_released(tmp_path):
    seen = _child("""
        with heap.imports_kept_from_collection():
            import library
            library.CYCLE.finalizer = weakref.finalize(library.CYCLE, freed.append, "frozen")
        del library.CYCLE            # now garbage, but frozen: collections skip it
        gc.collect()
        while_frozen = list(freed)
        heap.release_frozen()
        count_after_release = gc.get_freeze_count()
        gc.collect()
        print(json.dumps({"while_frozen": while_frozen, "after_release": freed,
                          "count_after_release": count_after_release}))
    """, tmp_path)
    assert seen["while_frozen"] == []
    assert seen["count_after_release"] == 0
    assert seen["after_release"] == ["frozen"]


def test_a_release_without_an_import_before_it_leaves_what_the_process_froze(tmp_path):
    seen = _child("""
        gc.freeze()                  # the process's own, e.g. before it forks workers
        own = gc.get_freeze_count()
        heap.release_frozen()        # a fully cached run: no executor was loaded
        print(json.dumps({"own": own, "after": gc.get_freeze_count()}))
    """, tmp_path)
    assert seen["own"] > 0 and seen["after"] == seen["own"]


def test_the_opt_out_freezes_nothing(tmp_path):
    seen = _child("""
        with heap.imports_kept_from_collection():
            import library
        print(json.dumps({"frozen": gc.get_freeze_count(),
                          "paused": not library.ENABLED_WHILE_IMPORTING}))
    """, tmp_path, MLPIPE_GC_EVERYTHING="1")
    assert seen == {"frozen": 0, "paused": False}


def test_loading_an_executor_freezes_the_libraries_it_imports(tmp_path):
    seen = _child("""
        from components.statistics_gen.component import StatisticsGen
        StatisticsGen.SPEC.load_executor()
        tfdv = sys.modules["tensorflow_data_validation"]
        tracked = {id(o) for o in gc.get_objects()}
        print(json.dumps({"frozen": gc.get_freeze_count(), "enabled": gc.isenabled(),
                          "tfdv_dict_tracked": id(vars(tfdv)) in tracked}))
    """, tmp_path, TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1", PYTHONWARNINGS="ignore")
    assert seen["frozen"] > 200_000  # TensorFlow, Beam and TFDV: a few hundred thousand
    assert seen["enabled"] and not seen["tfdv_dict_tracked"]
