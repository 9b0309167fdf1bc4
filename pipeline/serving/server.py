"""`mlpipe serve`: TF Serving's REST API for the models a serving folder's
models.config names, on tornado (one event loop for many concurrent clients;
the models run in a thread pool, where TensorFlow releases the GIL).

    GET  /v1/models/NAME                         status of its loaded versions
    POST /v1/models/NAME:predict                 stable, or the canary by its share
    POST /v1/models/NAME/versions/N:predict      that version
    POST /v1/models/NAME/labels/LABEL:predict    the version labelled stable or canary

The config (and the canary's share) is reread every `poll_seconds`, so pushes,
canary, promote and rollback take effect without a restart. Each answer says
which version served it (`X-Model-Version`)."""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import time

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

from pipeline.serving import predict
from pipeline.serving.registry import NotFound, Registry
from pipeline.serving.request_log import RequestLog

log = logging.getLogger("mlpipe.serve")
_TARGET = r"/v1/models/([^/:]+)(?:/versions/(\d+)|/labels/([^/:]+))?"


class _Handler(tornado.web.RequestHandler):
    def initialize(self, registry: Registry, pool: concurrent.futures.Executor,
                   request_log: RequestLog | None) -> None:
        self.registry, self.pool, self.request_log = registry, pool, request_log

    def _reply(self, status: int, body: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs) -> None:
        self._reply(status_code, {"error": self._reason})


class StatusHandler(_Handler):
    def get(self, name: str, version: str | None, label: str | None) -> None:
        try:
            if version is not None or label is not None:
                versions = [self.registry.model(name, int(version) if version else None,
                                                label).version]
            else:
                versions = self.registry.status(name)
        except NotFound as error:
            return self._reply(404, {"error": str(error)})
        self._reply(200, {"model_version_status": [
            {"version": str(v), "state": "AVAILABLE",
             "status": {"error_code": "OK", "error_message": ""}} for v in versions]})


class PredictHandler(_Handler):
    async def post(self, name: str, version: str | None, label: str | None) -> None:
        try:
            model = self.registry.model(name, int(version) if version else None, label)
            examples, signature = predict.serialized_examples(self.request.body)
            started = time.perf_counter()
            answer = await asyncio.get_running_loop().run_in_executor(
                self.pool, predict.predict, model.signatures, examples, signature)
            latency_ms = (time.perf_counter() - started) * 1000
        except NotFound as error:
            return self._reply(404, {"error": str(error)})
        except predict.BadRequest as error:
            return self._reply(400, {"error": str(error)})
        if self.request_log is not None:
            self.request_log.add(name, examples)
            self.request_log.add_outcome(name, model.version, latency_ms,
                                         predict.predicted_classes(answer["predictions"]))
        self.set_header("X-Model-Version", str(model.version))
        self._reply(200, answer)


def application(registry: Registry, request_log: RequestLog | None,
                workers: int) -> tornado.web.Application:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                 thread_name_prefix="mlpipe-predict")
    shared = {"registry": registry, "pool": pool, "request_log": request_log}
    return tornado.web.Application([
        (_TARGET + r":predict", PredictHandler, shared),
        (_TARGET, StatusHandler, shared),
    ])


def serve(serving_dir: str, host: str, port: int, request_log: RequestLog | None,
          poll_seconds: float, workers: int, on_ready=lambda port: None) -> None:
    """Serves until interrupted (KeyboardInterrupt, or the caller's SIGTERM handler
    raising); writes the request log's waiting examples on the way out."""
    registry = Registry(serving_dir)
    registry.refresh()
    app = application(registry, request_log, workers)
    server = tornado.httpserver.HTTPServer(app)
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    loop = tornado.ioloop.IOLoop.current()
    def tick() -> None:
        loop.run_in_executor(None, registry.refresh)
        if request_log is not None:
            loop.run_in_executor(None, request_log.flush_outcomes)

    refresher = tornado.ioloop.PeriodicCallback(tick, poll_seconds * 1000)
    refresher.start()
    on_ready(sockets[0].getsockname()[1])
    try:
        loop.start()
    finally:
        refresher.stop()
        server.stop()
        if request_log is not None:
            request_log.close()
