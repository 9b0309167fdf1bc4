"""Lineage questions over ML Metadata: where a model came from, what a run changed.

`graph` walks ML Metadata's events into a LineageGraph, `summary` condenses a
pushed model's upstream into its provenance, `diff` compares two runs,
`render` draws graphs (JSON, Graphviz) and `commands` is the CLI glue.
"""
from pipeline.lineage.graph import (LineageError, LineageGraph, LineageNode, downstream,
                                    resolve_artifact, run_graph, upstream)

__all__ = ["LineageError", "LineageGraph", "LineageNode", "downstream", "resolve_artifact",
           "run_graph", "upstream"]
