"""Runs gcp-storage-emulator in memory with one bucket: `python -m tests.support.fake_gcs.emulator PORT BUCKET`.

One fix for TensorFlow's client: TensorFlow creates a "folder" by uploading an
empty object, and the emulator fails on an upload without a body.
"""
from __future__ import annotations

import sys

from gcp_storage_emulator import server
from gcp_storage_emulator.handlers import objects

_media_upload = objects._media_upload


def _media_upload_allowing_empty_body(request, response, storage):
    if request.data is None:
        request._data = b""
    return _media_upload(request, response, storage)


def main(port: int, bucket: str) -> None:
    objects._media_upload = _media_upload_allowing_empty_body
    server.create_server("127.0.0.1", port, in_memory=True, default_bucket=bucket).run()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
