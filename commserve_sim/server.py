"""The HTTP(S) transport: a threading HTTP/1.1 server around SimulatorApp."""

from __future__ import annotations

import logging
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from commserve_sim.app import (
    Request,
    Response,
    SimulatorApp,
    error_response,
    split_api_path,
)
from commserve_sim.control import CONTROL_BASE, handle_control

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024


class SimulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes. With Nagle's algorithm on, the
    # body waits for the client's delayed ACK, about 40 ms per request on Linux.
    disable_nagle_algorithm = True
    server_version = "commserve_sim"
    sys_version = ""

    @property
    def app(self) -> SimulatorApp:
        return self.server.app  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        if size < 0 or size > MAX_BODY_BYTES:
            return None
        return self.rfile.read(size)

    def _dispatch(self) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self._send(
                error_response(413, "Request body is too large or invalid.", 413)
            )
            return

        path, _, query = self.path.partition("?")
        if path.startswith(CONTROL_BASE + "/") or path == CONTROL_BASE:
            params = dict(parse_qsl(query, keep_blank_values=True))
            self._send(handle_control(self.app, self.command, path, params, body))
            return

        parts = split_api_path(self.path)
        if parts is None:
            self._send(
                error_response(
                    404,
                    f"{path} is outside the API: requests go to /webconsole/api/.",
                    404,
                )
            )
            return
        decoded, raw, query = parts
        request = Request(self.command, decoded, raw, query, self.headers, body)
        try:
            response = self.app.handle_api(request)
        except Exception:
            logger.exception(
                "Request %s %s failed on %s", self.command, path, self.app.env.name
            )
            response = error_response(500, "Internal error in the simulator.", 500)
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(response.body)))
        if response.status == 429:
            self.send_header("Retry-After", "1")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        app: SimulatorApp,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(address, SimulatorHandler)
        self.app = app
        self.tls = tls

    def get_request(self):  # type: ignore[no-untyped-def]
        connection, address = super().get_request()
        if self.tls is not None:
            # The handshake runs in the handler thread, so a bad client cannot stall
            # the accept loop.
            connection = self.tls.wrap_socket(
                connection, server_side=True, do_handshake_on_connect=False
            )
        return connection, address

    def finish_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError) as error:
                logger.info(
                    "TLS handshake with %s failed on %s: %s",
                    client_address[0],
                    self.app.env.name,
                    error,
                )
                return
        super().finish_request(request, client_address)
