"""An ML Metadata gRPC service for the tests: `python -m tests.support.mlmd_grpc_server PORT SQLITE_FILE`.

Kubeflow deploys `metadata-grpc-service`, MLMD's C++ `metadata_store_server`,
which no package installable here ships. This serves the same gRPC API
(ml_metadata.MetadataStoreService, every method of its descriptor) by handing
each request to ml-metadata's own C++ store, the code that server runs too, on
an SQLite file. Clients use ml-metadata's real gRPC client unchanged.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from concurrent import futures

import grpc

SERVICE = "ml_metadata.MetadataStoreService"
_REPO = str(Path(__file__).resolve().parents[2])


def _handlers(store) -> grpc.GenericRpcHandler:
    """One unary handler per RPC, each calling the store's method of the same name."""
    from ml_metadata import errors
    from ml_metadata.proto import metadata_store_service_pb2 as service

    lock = threading.Lock()  # one store connection; MLMD serializes its own transactions

    def handler(method):
        request_type = getattr(service, method.input_type.name)
        response_type = getattr(service, method.output_type.name)

        def call(request, context):
            response = response_type()
            try:
                with lock:
                    store._call_method(method.name, request, response)
            except errors.StatusError as error:
                context.abort(_status(error.error_code), str(error))
            return response

        return grpc.unary_unary_rpc_method_handler(
            call, request_deserializer=request_type.FromString,
            response_serializer=response_type.SerializeToString)

    methods = service.DESCRIPTOR.services_by_name["MetadataStoreService"].methods
    return grpc.method_handlers_generic_handler(SERVICE, {m.name: handler(m) for m in methods})


def _status(code: int) -> grpc.StatusCode:
    """The gRPC status of an MLMD error code (both use absl's canonical codes)."""
    return next(s for s in grpc.StatusCode if s.value[0] == code)


def serve(port: int, sqlite_file: str) -> None:
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = sqlite_file
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    store = metadata_store.MetadataStore(config)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((_handlers(store),))
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


class MlmdGrpcServer:
    """Runs the service in a child process on a free port, for `with` blocks."""

    def __init__(self, sqlite_file: str):
        self.sqlite_file = sqlite_file
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.host = "127.0.0.1"
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "MlmdGrpcServer":
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.mlmd_grpc_server", str(self.port),
             self.sqlite_file],
            cwd=_REPO)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the MLMD gRPC server exited with {self._process.returncode}")
            try:
                socket.create_connection((self.host, self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the MLMD gRPC server did not listen on port {self.port} in 60 s")

    def __exit__(self, *_) -> None:
        self._process.terminate()
        self._process.wait(10)


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
