"""model_analysis: how TFMA's components read examples."""
from __future__ import annotations

from components.common import model_analysis
from tests.support.numbered_examples import batch_sizes, write_numbered_examples

ROWS = 20_000


def test_tfma_reads_batches_of_1024_rows_not_the_byte_sized_ones(tmp_path):
    """The other components read batches of up to 8,192 rows; TFMA holds a batch's
    per-example extracts, so it reads smaller ones."""
    (tmp_path / "Split-eval").mkdir()
    write_numbered_examples(str(tmp_path / "Split-eval" / "data.gz"), ROWS)
    sizes = batch_sizes(model_analysis.read_examples(str(tmp_path), ("eval",)), tmp_path)
    assert sum(sizes) == ROWS
    assert max(sizes) == model_analysis.ANALYSIS_BATCH_SIZE == 1024
