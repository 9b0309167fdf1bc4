"""What changed between two runs: data, parameters, code, metrics, outcome, caching.

Everything is read from ML Metadata: each run's executions (by its
`pipeline_run` context) and the artifacts they read and wrote.
"""
from __future__ import annotations

import dataclasses
import json
import time

from pipeline.lineage.graph import (ARTIFACT, EXECUTION, LineageGraph, LineageNode, run_context,
                                    run_graph, state_word)
from pipeline.lineage.summary import blessing_words
from pipeline.metadata.store import MetadataStore

NOT_RUN = "not run"


@dataclasses.dataclass(frozen=True)
class Change:
    """One named value in run A and run B (None where the run has none)."""

    name: str
    a: object
    b: object

    @property
    def changed(self) -> bool:
        """Whether A and B differ."""
        return self.a != self.b

    def to_dict(self) -> dict:
        """Plain JSON-able values."""
        return {"name": self.name, "a": self.a, "b": self.b, "changed": self.changed}


@dataclasses.dataclass(frozen=True)
class MetricDelta(Change):
    """A metric in both runs and b - a (None unless both are numbers)."""

    @property
    def delta(self) -> float | None:
        """b - a, or None unless both are numbers."""
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (self.a, self.b))
        return float(self.b) - float(self.a) if numbers else None

    def to_dict(self) -> dict:
        """Plain JSON-able values, with the delta."""
        return {**super().to_dict(), "delta": self.delta}


@dataclasses.dataclass
class RunDiff:
    """Run A against run B. Lists hold every compared value, changed or not
    (`Change.changed` tells); names are "<component id>.<what>"."""

    run_a: str
    run_b: str
    status: Change                                        # run status
    started: Change                                       # run start, seconds since epoch
    components: list[Change]                              # "ran" / "cached" / "failed" / "not run"
    data: list[Change]                                    # ExampleGen input fingerprints
    parameters: list[Change]                              # flattened `parameters` JSON
    code: list[Change]                                    # module_sha256 of Transform/Trainer
    artifacts: list[Change]                               # output `fingerprint`s, where recorded
    metrics: list[MetricDelta]                            # metric:* of the ModelEvaluation
    blessing: Change = dataclasses.field(default_factory=lambda: Change("blessing", None, None))
    pushed: Change = dataclasses.field(  # "cached": the Pusher reused an earlier push
        default_factory=lambda: Change("pushed", None, None))

    def to_dict(self) -> dict:
        """Plain JSON-able values, for --json."""
        lists = ("components", "data", "parameters", "code", "artifacts", "metrics")
        return {"run_a": self.run_a, "run_b": self.run_b, "status": self.status.to_dict(),
                "started": self.started.to_dict(),
                **{name: [c.to_dict() for c in getattr(self, name)] for name in lists},
                "blessing": self.blessing.to_dict(), "pushed": self.pushed.to_dict()}


@dataclasses.dataclass
class _RunFacts:
    """What one run recorded, keyed by "<component id>.<what>"."""

    status: str = "UNKNOWN"
    started: float = 0.0
    states: dict[str, str] = dataclasses.field(default_factory=dict)
    data: dict[str, object] = dataclasses.field(default_factory=dict)
    parameters: dict[str, object] = dataclasses.field(default_factory=dict)
    code: dict[str, object] = dataclasses.field(default_factory=dict)
    artifacts: dict[str, object] = dataclasses.field(default_factory=dict)
    metrics: dict[str, object] = dataclasses.field(default_factory=dict)
    blessing: dict | None = None
    pushed: dict | None = None


def _flatten(value: object, prefix: str, into: dict[str, object]) -> None:
    """Nested dicts and lists of dicts as dotted names: thresholds[0].lower_bound."""
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(value[key], f"{prefix}.{key}", into)
    elif isinstance(value, list) and value and all(isinstance(v, (dict, list)) for v in value):
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}[{index}]", into)
    else:
        into[prefix] = json.dumps(value) if isinstance(value, (list, dict)) else value


def _component(node: LineageNode) -> str:
    return str(node.properties.get("component_id") or node.type_name)


def _outputs(graph: LineageGraph, execution: LineageNode) -> list[tuple[str, LineageNode]]:
    return [(port, graph.nodes[target]) for source, target, port in graph.edges
            if source == execution.key and graph.nodes[target].kind == ARTIFACT]


def _record_execution(facts: _RunFacts, graph: LineageGraph, execution: LineageNode) -> None:
    component = _component(execution)
    facts.states[component] = state_word(execution.state)
    try:
        params = json.loads(str(execution.properties.get("parameters") or "{}"))
    except ValueError:
        params = {"parameters": execution.properties.get("parameters")}
    _flatten(params, component, facts.parameters)
    if "module_sha256" in execution.properties:
        facts.code[f"{component}.module_sha256"] = execution.properties["module_sha256"]
    for port, artifact in _outputs(graph, execution):
        _record_output(facts, f"{component}.{port}", artifact, execution.state == "CACHED")


def _record_output(facts: _RunFacts, name: str, artifact: LineageNode, cached: bool) -> None:
    props = artifact.properties
    facts.artifacts[name] = props.get("fingerprint")
    if "input_fingerprint" in props:
        facts.data[f"{name}.input_fingerprint"] = props["input_fingerprint"]
    if artifact.type_name == "ModelEvaluation":
        facts.metrics.update({k.split(":", 1)[1]: v for k, v in props.items() if k.startswith("metric:")})
    elif artifact.type_name == "ModelBlessing":
        facts.blessing = {"artifact_id": artifact.id, "blessed": _flag(props.get("blessed")),
                          "reason": props.get("reason")}
    elif artifact.type_name == "PushedModel":
        facts.pushed = {"artifact_id": artifact.id, "pushed": _flag(props.get("pushed")),
                        "version": props.get("pushed_version"),
                        "destination": props.get("pushed_destination"), "reason": props.get("reason"),
                        "cached": cached}


def _flag(value: object) -> bool | None:
    return None if value is None else bool(value)


def run_facts(store: MetadataStore, run_id: str) -> _RunFacts:
    """Reads one run's executions and outputs into comparable facts."""
    context = run_context(store, run_id)
    graph = run_graph(store, run_id)
    props = {k: v for k, v in ((k, _value(v)) for k, v in context.custom_properties.items())}
    facts = _RunFacts(status=str(props.get("status", "UNKNOWN")),
                      started=float(props.get("start_time") or 0.0))
    executions = sorted((n for n in graph.nodes.values() if n.kind == EXECUTION), key=lambda n: n.id)
    for execution in executions:  # a later execution of the same component wins
        _record_execution(facts, graph, execution)
    return facts


def _value(proto) -> object:
    kind = proto.WhichOneof("value")
    return getattr(proto, kind) if kind else None


def _changes(a: dict[str, object], b: dict[str, object], cls: type = Change,
             missing: object = None) -> list:
    names = list(dict.fromkeys([*a, *b]))
    return [cls(name, a.get(name, missing), b.get(name, missing)) for name in names]


def diff_runs(store: MetadataStore, run_a: str, run_b: str) -> RunDiff:
    """Compares two runs (of any pipelines in the store); LineageError for an unknown run."""
    a, b = run_facts(store, run_a), run_facts(store, run_b)
    return RunDiff(run_a, run_b, Change("status", a.status, b.status),
                   Change("started", a.started, b.started),
                   _changes(a.states, b.states, missing=NOT_RUN), _changes(a.data, b.data),
                   _changes(a.parameters, b.parameters), _changes(a.code, b.code),
                   [c for c in _changes(a.artifacts, b.artifacts) if (c.a, c.b) != (None, None)],
                   sorted(_changes(a.metrics, b.metrics, MetricDelta), key=lambda m: m.name),
                   Change("blessing", a.blessing, b.blessing), Change("pushed", a.pushed, b.pushed))


def _show(value: object, width: int = 0) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.4f}"
    else:
        text = str(value)
    return text.ljust(width) if width else text


def _section(title: str, changes: list[Change], show_same: bool = False) -> list[str]:
    changed = [c for c in changes if c.changed]
    same = len(changes) - len(changed)
    shown = changes if show_same else changed
    lines = [f"{title}: " + (f"{len(changed)} changed" if changes else "none recorded")
             + (f", {same} the same" if changes and same else "")]
    width = max((len(c.name) for c in shown), default=0)
    for change in shown:
        marker = "*" if change.changed else " "
        lines.append(f" {marker} {change.name:<{width}}  {_show(change.a)}"
                     + (f"  ->  {_show(change.b)}" if change.changed else "  (same)")
                     + _delta(change))
    return lines


def _delta(change: Change) -> str:
    delta = getattr(change, "delta", None)
    return f"  ({delta:+.4f})" if delta is not None and change.changed else ""


def _outcome(blessing: dict | None, pushed: dict | None) -> str:
    words = blessing_words(blessing["blessed"], blessing["reason"]) if blessing else "no blessing"
    if pushed is None:
        return f"{words}; no push"
    if pushed["pushed"] and pushed.get("cached"):
        push = f"still serving version {pushed['version']} (Pusher cached: nothing new pushed)"
    else:
        push = f"pushed version {pushed['version']}" if pushed["pushed"] else "not pushed"
    return f"{words}; {push}"


def diff_text(diff: RunDiff) -> str:
    """The diff as text for the terminal: changed values marked '*', metric deltas signed."""
    lines = [f"A: {diff.run_a}  {diff.status.a}, started {_started(diff.started.a)}",
             f"B: {diff.run_b}  {diff.status.b}, started {_started(diff.started.b)}"]
    lines += _section("components (ran / cached)", diff.components, show_same=True)
    lines += _section("data fingerprints", diff.data, show_same=True)
    lines += _section("parameters", diff.parameters)
    lines += _section("code (module sha256)", diff.code, show_same=True)
    lines += _section("output fingerprints", diff.artifacts)
    lines += _section("metrics (overall)", diff.metrics, show_same=True)
    lines.append("outcome:")
    lines.append(f"  A: {_outcome(diff.blessing.a, diff.pushed.a)}")
    lines.append(f"  B: {_outcome(diff.blessing.b, diff.pushed.b)}")
    return "\n".join(lines)


def _started(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds else "-"
