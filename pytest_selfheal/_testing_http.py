"""The HTTP side of :class:`pytest_selfheal.testing.OpenAIServer`: one request handler."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_selfheal.testing import OpenAIServer


def handler_class(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    """The request handler of ``server``: records each request, answers with its script."""
    # Imported here: testing imports this module, and Request is one of its classes.
    from pytest_selfheal.testing import Request

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # a test's output is no place for an access log

        def _request(self) -> Request:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            request = Request(self.command, self.path, headers, body)
            server._record(request)
            return request

        def do_GET(self) -> None:
            self._request()
            path = self.path.rstrip("/")
            if path.endswith("/models"):
                self._send_json(200, {"object": "list", "data": [
                    {"id": model, "object": "model", "created": 0, "owned_by": "fake"}
                    for model in server.models]})
            elif "/models/" in path and path.rsplit("/", 1)[1] in server.models:
                self._send_json(200, {"id": path.rsplit("/", 1)[1], "object": "model",
                                      "created": 0, "owned_by": "fake"})
            else:
                self._send_json(404, _error_body("not found", "not_found"))

        def do_POST(self) -> None:
            request = self._request()
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_json(404, _error_body("not found", "not_found"))
                return
            reply, body = server._chat(request)
            if reply.delay_s and server._stopping.wait(reply.delay_s):
                return
            with contextlib.suppress(OSError):  # the client gave up waiting: fine
                if reply.body is not None:
                    self._send_raw(reply.status, reply.body, reply.headers,
                                   reply.declared_length)
                elif reply.status != 200:
                    self._send_json(reply.status, _error_body(reply.error, reply.error_code),
                                    reply.headers)
                else:
                    self._send_json(200, body or {}, reply.headers)

        def _send_json(self, status: int, payload: object,
                       headers: Mapping[str, str] | None = None) -> None:
            self._send_raw(status, json.dumps(payload).encode("utf-8"), headers or {}, None)

        def _send_raw(self, status: int, data: bytes, headers: Mapping[str, str],
                      declared_length: int | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(declared_length or len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            if declared_length is not None:
                self.close_connection = True

    return Handler


def _error_body(message: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None,
                      "code": code}}
