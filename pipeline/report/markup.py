"""Small HTML helpers for the run report: every piece of text goes through `esc`."""
from __future__ import annotations

import html
from typing import Iterable, Sequence

CSS = """
:root { --ok: #1b7f3b; --bad: #b3261e; --warn: #8a5a00; --muted: #5f6368; --line: #dadce0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #202124;
       margin: 0; background: #f8f9fa; }
header { background: #202124; color: #fff; padding: 16px 32px; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; color: #bdc1c6; }
nav { padding: 8px 32px; background: #fff; border-bottom: 1px solid var(--line); }
nav a { margin-right: 16px; color: #1a73e8; text-decoration: none; }
main { padding: 0 32px 32px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 20px 0;
          padding: 4px 20px 16px; }
h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f4; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600;
         color: #fff; background: var(--muted); }
.badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); }
.badge.warn { background: var(--warn); }
.note { color: var(--muted); font-style: italic; }
.error { color: var(--bad); white-space: pre-wrap; }
pre { background: #f1f3f4; padding: 8px; overflow-x: auto; white-space: pre-wrap; font-size: 12px; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.kv dt { font-weight: 600; } dl.kv dd { margin: 0; word-break: break-all; }
svg.hist { vertical-align: middle; }
svg.hist rect { fill: #1a73e8; }
.lineage { overflow-x: auto; border: 1px solid var(--line); padding: 4px; }
.lineage svg { max-width: none; height: auto; }
"""


def esc(value: object) -> str:
    """The value as HTML text, quotes escaped too."""
    return html.escape(str(value), quote=True)


def section(section_id: str, title: str, body: str) -> str:
    """A report section with an id (for links and tests) and a heading."""
    return (f'<section id="{esc(section_id)}">\n<h2>{esc(title)}</h2>\n{body}\n</section>')


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table; cells in `rows` are already HTML (escape them first), headers are text."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def key_values(pairs: Iterable[tuple[str, str]]) -> str:
    """A definition list; values are already HTML, keys are text."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs)
    return f'<dl class="kv">{items}</dl>'


def badge(text: str, kind: str = "") -> str:
    """A coloured label: kind is "ok", "bad", "warn" or "" (grey)."""
    return f'<span class="badge {esc(kind)}">{esc(text)}</span>'


def note(text: str) -> str:
    """A muted remark, e.g. why a section is empty."""
    return f'<p class="note">{esc(text)}</p>'


def error_block(message: str, full: str = "") -> str:
    """An error message, with the full text (a traceback) folded underneath."""
    shown = f'<p class="error">{esc(message)}</p>'
    if full and full.strip() != message.strip():
        shown += f"<details><summary>details</summary><pre>{esc(full)}</pre></details>"
    return shown


def number(value: object, digits: int = 4) -> str:
    """A number for a table cell: floats to `digits` significant places, else as is."""
    if isinstance(value, float):
        return esc(f"{value:.{digits}g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}")
    return esc("" if value is None else value)


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: sections are (id, title, body HTML)."""
    links = "".join(f'<a href="#{esc(i)}">{esc(t)}</a>' for i, t, _ in sections)
    parts = "\n".join(section(i, t, b) for i, t, b in sections)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>\n"
            f"<nav>{links}</nav>\n<main>\n{parts}\n</main>\n</body>\n</html>\n")
