"""`mlpipe lineage` and `mlpipe diff` handlers, called in-process on two real runs."""
from __future__ import annotations

import html
import shutil

import pytest

from pipeline.lineage import LineageError
from tests.lineage.conftest import run_command, run_json

pytestmark = pytest.mark.slow
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (apt-get install graphviz)")


def test_lineage_model_prints_provenance_and_json(penguin_runs, capsys):
    root = penguin_runs.root
    status, out, _ = run_command(capsys, "lineage", "model", "--root", root)
    assert status == 0 and out.startswith("Provenance of PushedModel #")
    for section in ("pushed", "blessing", "evaluation", "model", "trainer", "transform", "schema", "data"):
        assert f"\n  {section} " in out
    data = run_json(capsys, "lineage", "model", "latest", "penguin", "--root", root)
    model = penguin_runs.second.output("Trainer", "model")
    assert data["provenance"]["model"]["artifact_id"] == model.id
    assert data["graph"]["root"] == f"artifact:{model.id}"
    assert {"key", "kind", "id", "type_name", "uri", "run_id", "created", "state", "properties",
            "label"} == set(data["graph"]["nodes"][0])


def test_lineage_model_takes_a_lone_pipeline_name(penguin_runs, capsys):
    status, out, _ = run_command(capsys, "lineage", "model", "penguin", "--root", penguin_runs.root)
    assert status == 0 and out.startswith("Provenance of PushedModel #")


def test_lineage_artifact_up_and_down(penguin_runs, capsys):
    root, first = penguin_runs.root, penguin_runs.first
    examples = first.output("ExampleGen", "examples")
    status, out, _ = run_command(capsys, "lineage", "artifact", str(examples.id), "--down", "--root", root)
    assert status == 0 and out.startswith(f"downstream of Examples #{examples.id}")
    assert f"PushedModel #{first.find_output('PushedModel').id}" in out
    data = run_json(capsys, "lineage", "artifact", str(first.output("Trainer", "model").id), "--root", root)
    assert data["direction"] == "upstream"
    assert f"artifact:{examples.id}" in {n["key"] for n in data["nodes"]}
    assert all({"from", "to", "port"} == set(e) for e in data["edges"])


def test_diff_command_text_and_json(penguin_runs, capsys):
    a, b = penguin_runs.first.run_id, penguin_runs.second.run_id
    status, out, _ = run_command(capsys, "diff", a, b, "--root", penguin_runs.root)
    assert status == 0 and f"A: {a}" in out and "* Trainer.train_steps" in out
    data = run_json(capsys, "diff", a, b, "penguin", "--root", penguin_runs.root)
    assert data["run_a"] == a and any(p["name"] == "Trainer.train_steps" and p["changed"]
                                      for p in data["parameters"])


@needs_dot
def test_graph_svg_and_png(penguin_runs, capsys, tmp_path):
    root = penguin_runs.root
    svg, png = tmp_path / "model.svg", tmp_path / "sub" / "down.png"
    status, out, _ = run_command(capsys, "lineage", "model", "--root", root, "--graph", str(svg))
    assert status == 0 and f"written to {svg}" in out
    text = html.unescape(svg.read_text())  # dot writes "-" as "&#45;"
    assert text.lstrip().startswith(("<?xml", "<svg")) and "</svg>" in text
    pushed = _pushed_run(penguin_runs)
    for label in (f"PushedModel #{pushed.find_output('PushedModel').id}",
                  f"Trainer #{_execution_id(pushed, 'Trainer')} (ran)",
                  f"Model #{pushed.output('Trainer', 'model').id}", "Schema #", "ExampleGen #",
                  f"run {pushed.run_id}"):
        assert label in text, label
    examples = penguin_runs.first.output("ExampleGen", "examples").id
    status, out, err = run_command(capsys, "lineage", "artifact", str(examples), "--down",
                                   "--root", root, "--graph", str(png), "--json")
    assert status == 0 and out.startswith("{") and f"written to {png}" in err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _pushed_run(runs):
    return next(r for r in (runs.second, runs.first) if r.find_output("PushedModel").get("pushed") == 1)


def _execution_id(run, component_id: str) -> int:
    return next(c.execution_id for c in run.components if c.component_id == component_id)


def test_command_errors(penguin_runs, capsys, tmp_path):
    root = penguin_runs.root
    with pytest.raises(LineageError, match="no artifact with id 424242"):
        run_command(capsys, "lineage", "artifact", "424242", "--root", root)
    with pytest.raises(LineageError, match="ending in .svg or .png"):
        run_command(capsys, "lineage", "model", "--root", root, "--graph", str(tmp_path / "g.pdf"))
    assert capsys.readouterr().out == ""  # refused before printing anything
    with pytest.raises(LineageError, match="no ML Metadata for pipeline 'penguin'"):
        run_command(capsys, "lineage", "model", "--root", str(tmp_path / "empty"))
    with pytest.raises(LineageError, match="neither a model reference"):
        run_command(capsys, "lineage", "model", "bogus", "--root", root)
    with pytest.raises(LineageError, match="no run 'x'"):
        run_command(capsys, "diff", "x", penguin_runs.first.run_id, "--root", root)
