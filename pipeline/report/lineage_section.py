"""The lineage section: the run's lineage graph drawn by Graphviz, inlined as SVG."""
from __future__ import annotations

import re
import shutil
import subprocess

from pipeline.metadata.store import MetadataStore
from pipeline.report.markup import esc, note

DOT_TIMEOUT_SECONDS = 60
_EXTERNAL_LINK = re.compile(r'\s(?:xlink:)?href="[a-zA-Z][a-zA-Z0-9+.-]*:[^"]*"')


class GraphvizError(Exception):
    """Graphviz's `dot` is missing or could not draw the graph."""


def dot_to_svg(dot_source: str) -> str:
    """The DOT graph as an inline `<svg>` element (no XML prolog, no external links)."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizError("Graphviz's `dot` is not installed (apt-get install graphviz)")
    completed = subprocess.run([dot, "-Tsvg"], input=dot_source, capture_output=True, text=True,
                               timeout=DOT_TIMEOUT_SECONDS, check=False)
    if completed.returncode != 0 or "<svg" not in completed.stdout:
        raise GraphvizError(f"dot -Tsvg failed ({completed.returncode}): {completed.stderr.strip()}")
    svg = completed.stdout[completed.stdout.index("<svg"):]
    return _EXTERNAL_LINK.sub("", svg)  # a report opened offline links nowhere outside itself


def run_dot(store: MetadataStore, run_id: str) -> str:
    """The run's lineage graph as Graphviz DOT (pipeline.lineage's graph and renderer)."""
    from pipeline.lineage.graph import run_graph
    from pipeline.lineage.render import to_dot

    return to_dot(run_graph(store, run_id))


def lineage_section(store: MetadataStore, run_id: str) -> str:
    """The lineage picture, or why it could not be drawn (with the DOT source if any)."""
    try:
        dot_source = run_dot(store, run_id)
    except ImportError as error:
        return note(f"No lineage picture: the lineage renderer is not available ({error}).")
    except Exception as error:  # a report shows what it can
        return note(f"No lineage picture: {type(error).__name__}: {error}")
    source = f"<details><summary>Graphviz DOT source</summary><pre>{esc(dot_source)}</pre></details>"
    try:
        svg = dot_to_svg(dot_source)
    except (GraphvizError, OSError, subprocess.TimeoutExpired) as error:
        return note(f"No lineage picture: {error}") + source
    legend = note("Artifacts and executions of this run, linked by ML Metadata's INPUT and "
                  "OUTPUT events (drawn at full size: scroll sideways).")
    return f'{legend}<div class="lineage">{svg}</div>{source}'
