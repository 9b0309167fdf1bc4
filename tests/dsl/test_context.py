"""ExecutionContext.beam_pipeline: the Beam settings every data component shares."""
from __future__ import annotations

from tfx_bsl.public import tfxio

from tests.support.numbered_examples import batch_sizes, write_numbered_examples

ROWS = 20_000


def test_record_batches_are_sized_by_bytes_not_capped_at_a_thousand_rows(tmp_path):
    write_numbered_examples(str(tmp_path / "data.gz"), ROWS)
    sizes = batch_sizes(tfxio.TFExampleRecord(file_pattern=str(tmp_path / "data.gz")).BeamSource(),
                        tmp_path)
    assert sum(sizes) == ROWS
    assert max(sizes) == 8192  # tfx-bsl's cap when batching by size (20 MiB of small records)
