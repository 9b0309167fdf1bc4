"""Which data, schema, code and evaluation produced a model: a model's provenance.

Read from its upstream LineageGraph by structure (which execution produced
what, through which port), so that a run's baseline model, which the Evaluator
also reads, is never mistaken for the model being served.
"""
from __future__ import annotations

import json
import time
from typing import Iterable

from pipeline.lineage.graph import (ARTIFACT, LineageError, LineageGraph, LineageNode,
                                    state_word)

MODEL_TYPES = ("Model", "PushedModel")
_BASELINE_PREFIX = "baseline"


def _main_upstream(graph: LineageGraph) -> set[str]:
    """Keys reachable upstream from the root, not through a baseline-model input."""
    incoming: dict[str, list[tuple[str, str]]] = {}
    for source, target, port in graph.edges:
        incoming.setdefault(target, []).append((source, port))
    seen, stack = {graph.root}, [graph.root]
    while stack:
        for source, port in incoming.get(stack.pop(), []):
            if source not in seen and not port.startswith(_BASELINE_PREFIX):
                seen.add(source)
                stack.append(source)
    return seen


def _producer(graph: LineageGraph, key: str | None) -> LineageNode | None:
    producers = [graph.nodes[s] for s, t, _ in graph.edges if t == key]
    ran = [p for p in producers if p.state != "CACHED"]
    return (ran or producers or [None])[0]


def _neighbours(graph: LineageGraph, execution: LineageNode | None, type_name: str,
                inputs: bool, within: set[str]) -> list[LineageNode]:
    if execution is None:
        return []
    keys = ([s for s, t, _ in graph.edges if t == execution.key] if inputs
            else [t for s, t, _ in graph.edges if s == execution.key])
    return [graph.nodes[k] for k in keys if graph.nodes[k].type_name == type_name and k in within]


def _of_type(graph: LineageGraph, keys: Iterable[str], type_name: str) -> list[LineageNode]:
    found = [graph.nodes[k] for k in keys if k in graph.nodes]
    return sorted((n for n in found if n.kind == ARTIFACT and n.type_name == type_name),
                  key=lambda n: n.id)


def _first(*candidates: list[LineageNode]) -> LineageNode | None:
    for nodes in candidates:
        if nodes:
            return nodes[-1]
    return None


def _record(node: LineageNode | None, **fields: object) -> dict | None:
    """The common fields of an artifact entry, plus the given ones."""
    if node is None:
        return None
    return {"artifact_id": node.id, "type": node.type_name, "uri": node.uri, "run_id": node.run_id,
            "created": node.created, "fingerprint": node.properties.get("fingerprint"), **fields}


def _parameters(node: LineageNode) -> dict | str:
    text = node.properties.get("parameters", "")
    try:
        return json.loads(text) if text else {}
    except (TypeError, ValueError):
        return str(text)


def _trainer(node: LineageNode | None) -> dict | None:
    if node is None:
        return None
    return {"execution_id": node.id, "type": node.type_name, "state": node.state,
            "run_id": node.run_id, "created": node.created,
            "component_id": node.properties.get("component_id"),
            "module_sha256": node.properties.get("module_sha256"),
            "parameters": _parameters(node)}


def _data(nodes: list[LineageNode]) -> list[dict]:
    entries = []
    for node in nodes:
        props = node.properties
        paths = str(props.get("input_paths") or "")
        entries.append(_record(node, input_fingerprint=props.get("input_fingerprint"),
                               input_paths=[p for p in paths.split(",") if p],
                               columns=props.get("columns"), span=props.get("span"),
                               num_rows_train=props.get("num_rows_train"),
                               num_rows_eval=props.get("num_rows_eval")))
    return entries


def model_provenance(graph: LineageGraph) -> dict:
    """Which data, schema, code and evaluation produced the model at the graph's root
    (a PushedModel or a Model; the graph is its `upstream`). Pieces the graph does not
    hold (e.g. the evaluation, for a Model root) are None."""
    root = graph.nodes.get(graph.root or "")
    if root is None or root.type_name not in MODEL_TYPES:
        found = f"a {root.type_name} ({root.label})" if root else "no root"
        raise LineageError(f"model provenance needs the upstream graph of a Model or "
                           f"PushedModel, found {found}; use `mlpipe lineage artifact ID` for "
                           f"other artifacts")
    main = _main_upstream(graph)
    pusher = _producer(graph, root.key) if root.type_name == "PushedModel" else None
    model = root if root.type_name == "Model" else _first(
        _neighbours(graph, pusher, "Model", True, main), _of_type(graph, main, "Model"))
    trainer = _producer(graph, model.key) if model else None
    blessing = _first(_neighbours(graph, pusher, "ModelBlessing", True, main),
                      _of_type(graph, main, "ModelBlessing"))
    evaluator = _producer(graph, blessing.key) if blessing else None
    evaluation = _first(_neighbours(graph, evaluator, "ModelEvaluation", False, set(graph.nodes)),
                        _of_type(graph, main, "ModelEvaluation"))
    schema = _first(_neighbours(graph, trainer, "Schema", True, main), _of_type(graph, main, "Schema"))
    transform = _first(_neighbours(graph, trainer, "TransformGraph", True, main),
                       _of_type(graph, main, "TransformGraph"))
    raw_examples = [n for n in _of_type(graph, main, "Examples") if "input_fingerprint" in n.properties]
    return {
        "root": {"key": root.key, "artifact_id": root.id, "type": root.type_name, "uri": root.uri,
                 "run_id": root.run_id},
        "data": _data(raw_examples),
        "schema": _record(schema, source=_prop(schema, "source"),
                          source_sha256=_prop(schema, "source_sha256")),
        "transform_graph": _record(transform, module_sha256=_prop(transform, "module_sha256")),
        "trainer": _trainer(trainer),
        "model": _record(model, module_sha256=_prop(model, "module_sha256")),
        "evaluation": _record(evaluation, metrics=_metrics(evaluation)),
        "blessing": _blessing(blessing),
        "pushed": _pushed(root if root.type_name == "PushedModel" else None),
    }


def _prop(node: LineageNode | None, name: str) -> object:
    return node.properties.get(name) if node else None


def _metrics(node: LineageNode | None) -> dict[str, object]:
    if node is None:
        return {}
    return {k.split(":", 1)[1]: v for k, v in sorted(node.properties.items())
            if k.startswith("metric:")}


def _blessing(node: LineageNode | None) -> dict | None:
    blessed = _prop(node, "blessed")
    return _record(node, blessed=None if blessed is None else bool(blessed),
                   reason=_prop(node, "reason"), current_model_id=_prop(node, "current_model_id"),
                   baseline_model_id=_prop(node, "baseline_model_id"))


def _pushed(node: LineageNode | None) -> dict | None:
    pushed = _prop(node, "pushed")
    return _record(node, pushed=None if pushed is None else bool(pushed),
                   version=_prop(node, "pushed_version"),
                   destination=_prop(node, "pushed_destination"),
                   model_name=_prop(node, "model_name"), reason=_prop(node, "reason"))


def _when(seconds: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds else "-"


def _where(entry: dict) -> str:
    ident = (f"{entry['type']} #{entry['artifact_id']}" if "artifact_id" in entry
             else f"{entry['type']} #{entry['execution_id']} ({state_word(entry['state'])})")
    return f"{ident}  run {entry['run_id'] or '-'}  {_when(entry['created'])}"


def _details(section: str, entry: dict) -> list[str]:
    lines = [f"uri: {entry['uri']}"] if entry.get("uri") else []
    if section == "pushed":
        lines.append(f"version {entry['version']} to {entry['destination']}" if entry["pushed"]
                     else f"NOT pushed: {entry.get('reason') or 'no reason recorded'}")
    elif section == "blessing":
        lines.append(blessing_words(entry["blessed"], entry["reason"]))
    elif section == "evaluation":
        lines.append(", ".join(f"{k}={_number(v)}" for k, v in entry["metrics"].items()) or "no metrics")
    elif section == "trainer":
        lines += [f"module sha256: {entry['module_sha256'] or '-'}",
                  f"parameters: {json.dumps(entry['parameters'], sort_keys=True)}"]
    elif section in ("transform_graph", "model") and entry.get("module_sha256"):
        lines.append(f"module sha256: {entry['module_sha256']}")
    elif section == "schema":
        lines.append(f"source: {entry['source'] or '-'}  sha256: {entry['source_sha256'] or '-'}")
    elif section == "data":
        lines += [f"file: {path}" for path in entry["input_paths"]]
        lines.append(f"input fingerprint (sha256): {entry['input_fingerprint']}  rows: "
                     f"{entry['num_rows_train']} train, {entry['num_rows_eval']} eval")
    if entry.get("fingerprint"):
        lines.append(f"fingerprint: {entry['fingerprint']}")
    return lines


def blessing_words(blessed: bool | None, reason: object) -> str:
    """'blessed: <reason>' / 'NOT blessed: <reason>', without repeating a reason that says so."""
    word = "unknown" if blessed is None else ("blessed" if blessed else "NOT blessed")
    text = str(reason or "")
    return text if text.startswith(word) else f"{word}: {text or 'no reason recorded'}"


def _number(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


_SECTIONS = [("pushed", "pushed"), ("blessing", "blessing"), ("evaluation", "evaluation"),
             ("model", "model"), ("trainer", "trainer"), ("transform_graph", "transform"),
             ("schema", "schema"), ("data", "data")]


def provenance_text(provenance: dict) -> str:
    """The provenance as text for the terminal, from the served model back to the data."""
    root = provenance["root"]
    lines = [f"Provenance of {root['type']} #{root['artifact_id']} (run {root['run_id'] or '-'})"]
    for section, title in _SECTIONS:
        entries = provenance[section]
        entries = entries if isinstance(entries, list) else [entries]
        if not any(entries):
            lines.append(f"  {title:<11} - (not upstream of this {root['type']})")
        for entry in filter(None, entries):
            lines.append(f"  {title:<11} {_where(entry)}")
            lines += [f"  {'':<11}   {detail}" for detail in _details(section, entry)]
    return "\n".join(lines)
