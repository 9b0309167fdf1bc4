"""What an executor gets besides its artifacts and parameters."""
from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import apache_beam as beam

DEFAULT_BEAM_ARGS = ("--runner=DirectRunner", "--direct_running_mode=in_memory",
                     "--direct_num_workers=1")


@dataclasses.dataclass(frozen=True)
class ExecutionContext:
    """Run-level facts an executor may use. Executors never touch ML Metadata.

    An executor that writes outside its output folders (Pusher's serving folder)
    calls `will_write_external(uri)` before the write becomes visible: the runner
    records the intent, and removes what an execution left there if it did not
    complete (killed, failed), so nothing appears there that ML Metadata does not name.
    """

    pipeline_name: str
    run_id: str
    component_id: str
    tmp_dir: str
    beam_args: tuple[str, ...] = ()
    log: logging.Logger = logging.getLogger("mlpipe")
    will_write_external: Callable[[str], None] = lambda uri: None

    def beam_pipeline(self) -> "beam.Pipeline":
        """A Beam pipeline with the pipeline's Beam options (DirectRunner by default;
        see in_process_beam for what changes when it runs in this process)."""
        from pipeline.dsl.in_process_beam import beam_pipeline

        _fast_tfrecord_checksums()
        _batch_records_by_size()
        args = list(DEFAULT_BEAM_ARGS)
        given = {a.split("=", 1)[0] for a in self.beam_args}
        args = [a for a in args if a.split("=", 1)[0] not in given] + list(self.beam_args)
        if any(a.startswith("--runner=") and a != "--runner=DirectRunner" for a in args):
            args = [a for a in args if not a.startswith("--direct_")]
        return beam_pipeline(args)


def _batch_records_by_size() -> None:
    """TFX-BSL's sources (what StatisticsGen, Transform and the Evaluator read with)
    batch records for Arrow either adaptively, at most 1,000 per batch (the default),
    or by size: 20 MiB of records, at most 8,192 (its flag
    `tfxio_use_byte_size_batching`, meant to become the default). By size, Transform
    takes 16.5 s instead of 23 s on 800k penguin rows (StatisticsGen 16.7 s instead of
    19 s on 1M), and a batch of large records still stays far from Arrow's 2 GB limit. Set as the flag's
    default, so that a command line that gives the flag still decides."""
    import tfx_bsl.coders.batch_util  # noqa: F401  (defines the flag)
    from absl import flags

    if flags.FLAGS["tfxio_use_byte_size_batching"].default is not True:
        flags.FLAGS.set_default("tfxio_use_byte_size_batching", True)


def _fast_tfrecord_checksums() -> None:
    """Beam's TFRecord reader and writer checksum every record (CRC32C) with
    python-snappy if installed, else crcmod: 2.5% of a 1M-row penguin run's time
    (profiled). google-crc32c (installed with Beam's gcp extra) is 4x faster on a
    penguin record. Beam keeps the chosen function in `_default_crc32c_fn.fn`."""
    from apache_beam.io import tfrecordio

    if tfrecordio._default_crc32c_fn.fn is None:
        try:
            import google_crc32c
        except ImportError:
            return
        if google_crc32c.implementation == "c":
            tfrecordio._default_crc32c_fn.fn = google_crc32c.value


@dataclasses.dataclass(frozen=True)
class ExecutorOutcome:
    """What an executor may report back beyond its outputs.

    `halt_reason` set means the execution itself succeeded (its outputs are
    published) but the pipeline must stop after it, e.g. on data anomalies: the
    run is STOPPED. `end_reason` set means there is nothing more to do, e.g. no
    reason to retrain: the run ends there, COMPLETE. Either way, what follows the
    component (a `can_halt` one) does not run. `summary` is one line for the
    run's console output.
    """

    summary: str = ""
    halt_reason: str | None = None
    end_reason: str | None = None


class ComponentError(Exception):
    """A failure the user can fix: the message says what was expected, what was
    found and how to fix it. The runner prints it without a traceback."""
