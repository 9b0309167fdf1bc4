"""s3:// for TensorFlow and Beam (the `s3` extra: tensorflow-io, apache-beam[aws]),
on AWS or on an S3-compatible server such as MinIO.

`use_s3()` is called before the first s3:// operation of a process (by
`pipeline.fs`); it is idempotent:

- it registers TensorFlow's S3 file system (`import tensorflow_io`), which
  TFDV, TFT and TFMA reach through tf.io.gfile;
- it gives each library the endpoint of an S3-compatible server from the
  variable the other reads: `AWS_ENDPOINT_URL` (boto3, so Beam) and
  `S3_ENDPOINT` (tensorflow-io, which needs the http:// or https:// in it);
- it lets Beam write an empty file to S3 (its uploader always completes a
  multipart upload, and S3 refuses one without parts: TFMA writes empty plot
  files).

A process whose tensorflow-io touched S3 aborts at exit (tensorflow/io#2039:
"pure virtual method called", exit code 134) after its work is done and
flushed; `exit_code` ends such a process with its own code instead.

Example, against MinIO:
    AWS_ENDPOINT_URL=http://minio:9000 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \\
    AWS_REGION=us-east-1 mlpipe run --root s3://bucket/penguin --data s3://bucket/in.csv
"""
from __future__ import annotations

import os

from pipeline.process_exit import exit_now

SCHEME = "s3://"
_state = {"used": False}


class S3SupportMissing(ImportError):
    """The s3 extra is not installed."""


def use_s3() -> None:
    """Makes s3:// work in this process (see the module docstring)."""
    if _state["used"]:
        return
    _share_endpoint()
    try:
        import tensorflow_io  # noqa: F401  registers s3:// with tf.io.gfile
    except ImportError:
        raise S3SupportMissing("s3:// needs the s3 extra: pip install -c constraints.txt "
                               "'mlpipe[s3]' (tensorflow-io, apache-beam[aws])") from None
    _allow_empty_beam_uploads()
    _state["used"] = True


def _share_endpoint() -> None:
    boto, tensorflow = os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("S3_ENDPOINT")
    if boto and not tensorflow:
        os.environ["S3_ENDPOINT"] = boto
    elif tensorflow and not boto and "://" in tensorflow:
        os.environ["AWS_ENDPOINT_URL"] = tensorflow


def _allow_empty_beam_uploads() -> None:
    try:
        from apache_beam.io.aws import s3io
    except ImportError:
        return  # Beam without its aws extra: its own error names what is missing
    finish = s3io.S3Uploader.finish
    if getattr(finish, "allows_empty", False):
        return

    def finish_with_a_part(self):
        if not self.parts and not self.buffer:
            self._write_to_s3(b"")  # one empty part: S3 completes a 0-byte object
        return finish(self)

    finish_with_a_part.allows_empty = True
    s3io.S3Uploader.finish = finish_with_a_part


def exit_code(code: int) -> int:
    """`code`, or, if tensorflow-io touched S3 in this process, exits with it at once
    after flushing, before tensorflow-io's exit-time abort."""
    if not _state["used"]:
        return code
    exit_now(code)
    return code  # not reached
