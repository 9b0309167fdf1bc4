"""Deferred modules: the TFX libraries import without running them, the first use runs
them into the same module object, and nothing that merely looks at them runs them.
Each check runs in a new interpreter, whose `sys.modules` starts clean."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pipeline.deferred_imports import DEFERRED

DEFERRED_NAMES = [entry.name for entry in DEFERRED]


def _child(code: str, tmp_path: Path | None = None, **env: str) -> dict[str, Any]:
    """Runs `code` in a new interpreter (with `tmp_path` on its path); returns the JSON
    object it prints last."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_USE_LEGACY_KERAS": "1",
                   "PYTHONWARNINGS": "ignore", **env}
    if tmp_path is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(tmp_path), environment.get("PYTHONPATH", "")])
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], text=True,
                           capture_output=True, env=environment, timeout=300)
    assert child.returncode == 0, child.stderr[-3000:]
    return json.loads(child.stdout.strip().splitlines()[-1])


LIBRARIES = """
import inspect, json, sys, types
from pipeline.deferred_imports import defer_unused_imports, is_deferred
installed = defer_unused_imports()
import apache_beam, tensorflow_data_validation, tensorflow_transform
import tensorflow_model_analysis
after_import = {name: is_deferred(name) for name in installed}
# What scans sys.modules (autograph, inspect, dill) reads __file__ without running them.
files = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
inspect.getmodule(json.dumps)
after_scan = {name: is_deferred(name) for name in installed}

from tensorflow_model_analysis.api import types as tfma_types
from tensorflow_model_analysis.utils import math_util
value = tfma_types.ValueWithTDistribution(sample_mean=1.0, sample_standard_deviation=0.5,
                                          sample_degrees_of_freedom=10)
_, lower, upper = math_util.calculate_confidence_interval(value)
stats = sys.modules["scipy.stats"]

from rouge_score import tokenizers
tokens = tokenizers.DefaultTokenizer(use_stemmer=True).tokenize("running dogs jumped")
import nltk
print(json.dumps({
    "installed": installed, "after_import": after_import, "after_scan": after_scan,
    "interval": [lower, upper], "same_object": math_util.stats is stats,
    "stats_type": type(stats).__name__, "tokens": tokens,
    "nltk_is_package": nltk.stem.porter is sys.modules["nltk.stem.porter"],
    "bigquery_deferred_at_end": is_deferred("google.cloud.bigquery"),
}))
"""


@pytest.fixture(scope="module")
def libraries() -> dict[str, Any]:
    """One interpreter that imports the TFX libraries with deferral, then uses them."""
    return _child(LIBRARIES)


def test_the_tfx_libraries_import_without_running_the_deferred_modules(libraries):
    assert libraries["installed"] == DEFERRED_NAMES
    assert libraries["after_import"] == {name: True for name in DEFERRED_NAMES}
    assert libraries["after_scan"] == {name: True for name in DEFERRED_NAMES}


def test_first_use_runs_the_module_into_the_same_object(libraries):
    # t(0.975, 10) = 2.228139: the 95% interval of mean 1.0 with standard error 0.5
    assert libraries["interval"] == pytest.approx([1.0 - 0.5 * 2.228139, 1.0 + 0.5 * 2.228139])
    assert libraries["same_object"] is True
    assert libraries["stats_type"] == "module"


def test_a_package_runs_before_its_deferred_submodules(libraries):
    # rouge_score touches nltk.stem.porter first; nltk's own __init__ must run before it.
    assert libraries["tokens"] == ["run", "dog", "jump"]
    assert libraries["nltk_is_package"] is True
    assert libraries["bigquery_deferred_at_end"] is True


THREADS = """
import json, sys, threading
from pipeline.deferred_imports import defer_unused_imports, is_deferred
defer_unused_imports()
import scipy.stats as deferred_stats
barrier = threading.Barrier(8)
results, errors = [], []
def use():
    barrier.wait()
    try:
        results.append((deferred_stats.norm.cdf(0.0), id(sys.modules["scipy.stats"])))
    except Exception as error:
        errors.append(repr(error))
threads = [threading.Thread(target=use) for _ in range(8)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print(json.dumps({"results": sorted(set(results)), "errors": errors,
                  "object": id(deferred_stats), "deferred": is_deferred("scipy.stats")}))
"""


def test_threads_that_use_a_deferred_module_at_once_all_get_it_run_once():
    found = _child(THREADS)
    assert found["errors"] == []
    assert found["results"] == [[0.5, found["object"]]]
    assert found["deferred"] is False


PICKLING = """
import json
from apache_beam.internal import pickler
from pipeline.deferred_imports import defer_unused_imports, is_deferred
defer_unused_imports()
import scipy.stats
def cdf_at_zero():
    return scipy.stats.norm.cdf(0.0)
payload = pickler.dumps(cdf_at_zero)
pickled_deferred = is_deferred("scipy.stats")
print(json.dumps({"pickled_deferred": pickled_deferred,
                  "value": pickler.loads(payload)()}))
"""


def test_beam_pickles_a_function_that_uses_a_deferred_module():
    found = _child(PICKLING)
    assert found == {"pickled_deferred": True, "value": 0.5}


def _package(root: Path, name: str, files: dict[str, str]) -> None:
    for relative, source in files.items():
        path = root / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


FAILING = """
import json, sys
from pipeline.deferred_imports import DeferredModule, defer_unused_imports
defer_unused_imports((DeferredModule("brokenpkg", "test"),))
import brokenpkg
errors = []
try:
    brokenpkg.VALUE
except ValueError as error:
    errors.append(str(error))
in_modules = "brokenpkg" in sys.modules
try:
    import brokenpkg
except ValueError as error:
    errors.append(str(error))
print(json.dumps({"errors": errors, "in_modules": in_modules}))
"""


def test_a_module_that_fails_raises_its_own_error_and_leaves_sys_modules(tmp_path):
    _package(tmp_path, "brokenpkg", {"__init__.py": "raise ValueError('broken on purpose')"})
    found = _child(FAILING, tmp_path)
    # The first use raises the module's error; the next import runs it again, as usual.
    assert found["errors"] == ["broken on purpose", "broken on purpose"]
    assert found["in_modules"] is False


SELF_LOOKUP = """
import json, order_log
from pipeline.deferred_imports import DeferredModule, defer_unused_imports, is_deferred
defer_unused_imports((DeferredModule("selfpkg", "test"), DeferredModule("selfpkg.sub", "test")))
import selfpkg.sub
value = selfpkg.sub.VALUE
print(json.dumps({"order": order_log.ORDER, "seen_early": selfpkg.SEEN_EARLY,
                  "deferred": is_deferred("selfpkg")}))
"""


def test_a_package_runs_first_and_sees_itself_partial_while_it_runs(tmp_path):
    (tmp_path / "order_log.py").write_text("ORDER = []\n")
    _package(tmp_path, "selfpkg", {
        "__init__.py": """
            import sys, order_log
            order_log.ORDER.append("package")
            SEEN_EARLY = hasattr(sys.modules[__name__], "LATER")
            LATER = 1
            """,
        "sub.py": """
            import order_log
            order_log.ORDER.append("submodule")
            VALUE = 1
            """})
    found = _child(SELF_LOOKUP, tmp_path)
    # The first use is of the submodule, yet the package's code runs first, as in an
    # ordinary import; its lookup of a name it has not defined yet simply fails.
    assert found == {"order": ["package", "submodule"], "seen_early": False,
                     "deferred": False}


SKIPPED = """
import json, sys
from pipeline.deferred_imports import DeferredModule, defer_unused_imports
import csv
print(json.dumps({
    "deferred": defer_unused_imports((DeferredModule("no_such_module_here", "test"),
                                      DeferredModule("csv", "test"),
                                      DeferredModule("_decimal", "test"))),
    "csv_type": type(sys.modules["csv"]).__name__,
    "compiled_imported": "_decimal" in sys.modules}))
"""


def test_modules_missing_imported_or_compiled_are_left_alone():
    found = _child(SKIPPED)
    # _decimal is a compiled extension: it cannot run into a module made in advance.
    assert found == {"deferred": [], "csv_type": "module", "compiled_imported": False}


EAGER = """
import json
from pipeline.deferred_imports import defer_unused_imports
print(json.dumps({"deferred": defer_unused_imports()}))
"""


def test_mlpipe_eager_imports_turns_deferral_off():
    assert _child(EAGER, MLPIPE_EAGER_IMPORTS="1") == {"deferred": []}
    assert _child(EAGER)["deferred"] == DEFERRED_NAMES


DISTUTILS = """
import json, sys
from pipeline.deferred_imports import use_standard_distutils
removed = use_standard_distutils()
import distutils.sysconfig
print(json.dumps({"removed": removed, "file": distutils.__file__,
                  "site_packages": distutils.sysconfig.get_python_lib(),
                  "setuptools": "setuptools" in sys.modules,
                  "pkg_resources": "pkg_resources" in sys.modules}))
"""


def test_tensorflow_gets_the_standard_distutils_without_setuptools():
    pytest.importorskip("_distutils_hack")  # setuptools' shim, in every venv of Python 3.11
    shimmed = _child(DISTUTILS, MLPIPE_EAGER_IMPORTS="1")
    standard = _child(DISTUTILS)
    assert shimmed["removed"] is False and shimmed["setuptools"] is True
    assert standard["removed"] is True
    assert standard["file"].startswith(sys.base_prefix)  # the interpreter's own library
    assert (standard["setuptools"], standard["pkg_resources"]) == (False, False)
    # What TensorFlow asks distutils for (its plugin folders) is the same either way.
    assert standard["site_packages"] == shimmed["site_packages"]


EXECUTOR = """
import json, sys
from pipeline.cli import main
from pipeline.deferred_imports import is_deferred
main(["runs", "--root", sys.argv[1]])
before = {"scipy": "scipy" in sys.modules, "deferred": [n for n in %r if is_deferred(n)]}
from components.statistics_gen.component import StatisticsGen
StatisticsGen.SPEC.load_executor()
import distutils
print(json.dumps({"before": before, "deferred": [n for n in %r if is_deferred(n)],
                  "setuptools": "setuptools" in sys.modules}))
""" % (DEFERRED_NAMES, DEFERRED_NAMES)


def test_loading_an_executor_trims_the_imports_and_nothing_before_it_does(tmp_path):
    child = subprocess.run([sys.executable, "-c", EXECUTOR, str(tmp_path / "root")], text=True,
                           capture_output=True, timeout=300)
    found = json.loads(child.stdout.strip().splitlines()[-1])
    # A command that runs no executor (as a fully cached run) imports nothing for it.
    assert found["before"] == {"scipy": False, "deferred": []}
    assert found["deferred"] == DEFERRED_NAMES
    assert found["setuptools"] is False
