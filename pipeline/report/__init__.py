"""Static HTML reports of pipeline runs (`mlpipe report RUN`): statistics, anomalies,
metrics, blessing, push and lineage, in one self-contained file."""
from pipeline.report.build import render_report, write_report

__all__ = ["render_report", "write_report"]
