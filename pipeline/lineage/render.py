"""Lineage graphs as JSON, as text, as Graphviz DOT, and drawn to SVG or PNG by `dot`."""
from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time

from pipeline.lineage.graph import ARTIFACT, EXECUTION, LineageError, LineageGraph, LineageNode

FORMATS = {".svg": "svg", ".png": "png"}
_COLORS = {"Examples": "#cfe2f3", "ExampleStatistics": "#d0e0e3", "Schema": "#fff2cc",
           "ExampleAnomalies": "#f4cccc", "TransformGraph": "#d9d2e9", "Model": "#fce5cd",
           "ModelEvaluation": "#ead1dc", "ModelBlessing": "#d9ead3", "PushedModel": "#b6d7a8"}
_NOTE_TYPES = {"Schema", "TransformGraph", "Model", "PushedModel"}
_DOT_TIMEOUT_SECONDS = 120


def to_json(graph: LineageGraph) -> dict:
    """The graph as plain JSON-able values: root, nodes (every LineageNode field) and edges."""
    return {"root": graph.root,
            "nodes": [dataclasses.asdict(node) for node in graph.nodes.values()],
            "edges": [{"from": source, "to": target, "port": port}
                      for source, target, port in graph.edges]}


def short_uri(uri: str, parts: int = 3) -> str:
    """The last few path components of a URI: '.../Trainer/model/6'."""
    pieces = [p for p in uri.rstrip("/").split("/") if p]
    return uri if len(pieces) <= parts else ".../" + "/".join(pieces[-parts:])


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def _outcome(node: LineageNode) -> str:
    if node.type_name == "ModelBlessing" and "blessed" in node.properties:
        return "blessed" if node.properties["blessed"] else "NOT blessed"
    if node.type_name == "PushedModel" and "pushed" in node.properties:
        return f"version {node.properties.get('pushed_version')}" if node.properties["pushed"] \
            else "not pushed"
    return ""


def _dot_node(node: LineageNode, root: str | None) -> str:
    lines = [node.label]
    if node.kind == EXECUTION:
        component = str(node.properties.get("component_id") or "")
        if component and component != node.type_name:
            lines.append(component)
        attrs = {"shape": "ellipse", "style": "dashed" if node.state == "CACHED" else "solid"}
        if node.state == "FAILED":
            attrs["color"] = "red"
    else:
        lines += [line for line in (_outcome(node), short_uri(node.uri)) if line]
        attrs = {"shape": "note" if node.type_name in _NOTE_TYPES else "box",
                 "style": "filled", "fillcolor": _COLORS.get(node.type_name, "#eeeeee")}
    if node.key == root:
        attrs["penwidth"] = "2.5"
        attrs["style"] += ",bold"
    attrs["label"] = "\n".join(lines)
    return f"  {_quote(node.key)} [" + ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items()) + "];"


def to_dot(graph: LineageGraph) -> str:
    """Graphviz DOT: artifacts as boxes or notes filled by type, executions as ellipses
    (dashed when cached, red when failed), the root drawn bold, edges named by port,
    and each run's nodes in a box labelled with the run id."""
    lines = ["digraph lineage {", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9, color="#555555"];']
    runs: dict[str, list[LineageNode]] = {}
    for node in graph.nodes.values():
        runs.setdefault(node.run_id, []).append(node)
    for index, (run_id, nodes) in enumerate(runs.items()):
        body = [_dot_node(node, graph.root) for node in nodes]
        if not run_id:
            lines += body
            continue
        lines.append(f"  subgraph {_quote(f'cluster_{index}')} {{")
        lines.append(f'    label={_quote(f"run {run_id}")}; style="dashed"; color="#999999"; '
                     f'fontname="Helvetica"; fontsize=10;')
        lines += ["  " + line for line in body]
        lines.append("  }")
    for source, target, port in graph.edges:
        cached = any(graph.nodes[k].state == "CACHED" for k in (source, target)
                     if graph.nodes[k].kind == EXECUTION)
        style = ', style="dashed"' if cached else ""
        lines.append(f"  {_quote(source)} -> {_quote(target)} [label={_quote(port)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def check_graph_path(path: str) -> str:
    """The Graphviz output format for `path` ('svg' or 'png'), once `dot` is found;
    LineageError otherwise. Lets a command fail before doing any work."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in FORMATS:
        raise LineageError(f"cannot draw a graph to {path!r}: expected a file name ending in "
                           f"{' or '.join(FORMATS)}, found {extension or 'no extension'!r}")
    if shutil.which("dot") is None:
        raise LineageError("drawing a graph needs Graphviz's `dot` program, which is not on "
                           "PATH; install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, "
                           "macOS: `brew install graphviz`) or use --json instead")
    return FORMATS[extension]


def write_graph(graph: LineageGraph, path: str) -> str:
    """Draws the graph to `path` (.svg or .png) with Graphviz's `dot`; returns the path.
    LineageError for another extension, a missing `dot`, or `dot` failing."""
    output_format = check_graph_path(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        completed = subprocess.run([shutil.which("dot") or "dot", f"-T{output_format}", "-o", path],
                                   input=to_dot(graph), capture_output=True, text=True,
                                   timeout=_DOT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as error:
        raise LineageError(f"`dot` took over {_DOT_TIMEOUT_SECONDS}s drawing {path}") from error
    if completed.returncode != 0:
        raise LineageError(f"`dot` could not draw {path} (exit {completed.returncode}): "
                           f"{completed.stderr.strip()}")
    return path


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds else "-"


def _artifact_line(node: LineageNode, root: str | None) -> str:
    outcome = f" ({_outcome(node)})" if _outcome(node) else ""
    marker = "  <== asked about" if node.key == root else ""
    return f"{node.label}{outcome}  {node.uri}{marker}"


def graph_text(graph: LineageGraph, title: str = "") -> str:
    """The graph as text: each execution in time order with its inputs and outputs,
    then any artifact no execution in the graph touches (e.g. a lone root)."""
    root = graph.nodes.get(graph.root or "")
    lines = [title or (f"lineage of {root.label}" if root else "lineage")]
    for node in graph.nodes.values():
        if node.kind != EXECUTION:
            continue
        lines.append(f"{node.label}  run {node.run_id or '-'}  {_when(node.created)}")
        for source, target, port in graph.edges:
            if target == node.key:
                lines.append(f"    in  {port}: {_artifact_line(graph.nodes[source], graph.root)}")
        for source, target, port in graph.edges:
            if source == node.key:
                lines.append(f"    out {port}: {_artifact_line(graph.nodes[target], graph.root)}")
    linked = {key for edge in graph.edges for key in edge[:2]}
    lone = [n for n in graph.nodes.values() if n.kind == ARTIFACT and n.key not in linked]
    lines += [f"{_artifact_line(n, graph.root)}  (no recorded executions)" for n in lone]
    return "\n".join(lines)
