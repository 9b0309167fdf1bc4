"""Import rules that keep the layers apart, read from the source (nothing is imported):
the definition language knows no store and no runner, runners know no component,
and an executor never imports another component's executor."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((REPO / folder).rglob("*.py")):
        for name in sorted(_imports(path)):
            if any(name == f or name.startswith(f"{f}.") for f in forbidden):
                found.append(f"{path.relative_to(REPO)} imports {name}")
    return found


def test_the_definition_language_imports_no_store_runner_or_orchestrator():
    # Connection settings build ml_metadata's config protos; the store itself stays out.
    assert _violations("pipeline/dsl", ("pipeline.metadata", "pipeline.runner",
                                        "ml_metadata.metadata_store", "pipeline.kubeflow",
                                        "pipeline.ir", "components")) == []


def test_runners_and_the_ir_import_no_component():
    for folder in ("pipeline/runner", "pipeline/ir", "pipeline/kubeflow", "pipeline/code"):
        assert _violations(folder, ("components",)) == []


def test_executors_import_no_other_executor():
    found = []
    for path in sorted((REPO / "components").glob("*/executor.py")):
        own = path.parent.name
        found += [f"{path.relative_to(REPO)} imports {name}" for name in sorted(_imports(path))
                  if name.startswith("components.") and name.split(".")[1] not in (own, "common")]
    assert found == []


def test_pusher_copies_a_folder_without_tensorflow_data_validation():
    from pipeline.code.closure import closure

    libraries = dict(closure(("components.pusher.executor",)).libraries)
    assert "tensorflow_data_validation" not in libraries
    assert "tensorflow_model_analysis" not in libraries
