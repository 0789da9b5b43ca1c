"""``spatial serve DIR``: a map folder for this machine's browser, with HTTP range requests.

A map too large for one file (``spatial map --out DIR/``) is a folder: the page
and its vector tiles (``.pmtiles``), which the page reads piece by piece with
HTTP range requests. A browser does not make those of files on disk, and
Python's ``http.server`` answers every request with the whole file, so this
command serves the folder with a small handler that answers ``Range: bytes=``
with ``206 Partial Content``. It listens on the loopback interface only
(127.0.0.1 by default, ``::1`` or ``localhost``): the folder is never offered to
the network. Ctrl-C stops it (exit status 130).

Examples::

    spatial map --offline --layer parcels=city_parcels.parquet --out city_map/
    spatial serve city_map/                  # prints http://127.0.0.1:8000/
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import socket
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from spatial.cli._options import COMMAND_HELP
from spatial.errors import UsageError

__all__ = ["RangeRequestHandler", "loopback_host", "register", "run", "serve"]

DEFAULT_PORT = 8000
#: ``Range: bytes=START-END``, ``bytes=START-`` or ``bytes=-SUFFIX`` (one range; others get 200).
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help=COMMAND_HELP["serve"],
        description="Serve a map folder (spatial map --out DIR/) to the browser on this machine, "
        "with the HTTP range requests its vector tiles need. Loopback only; Ctrl-C stops it "
        "(exit status 130). Exit status 2: not a folder, a host that is not loopback, or a "
        "port in use.",
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="the map folder")
    parser.add_argument(
        "--host", default="127.0.0.1", help="a loopback address: 127.0.0.1 (default), ::1"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0: any free one"
    )
    parser.set_defaults(handler=run)


def loopback_host(host: str) -> str:
    """Return ``host`` when it is this machine's loopback interface; refuse any other (exit 2).

    Examples
    --------
    >>> loopback_host("127.0.0.1"), loopback_host("localhost"), loopback_host("::1")
    ('127.0.0.1', '127.0.0.1', '::1')
    >>> loopback_host("0.0.0.0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: --host 0.0.0.0: spatial serve listens on this machine only ...
    """
    if host == "localhost":
        return "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(
            f"--host {host}: spatial serve listens on this machine only (127.0.0.1 or ::1)"
        )
    return host


#: The names a request to this machine's loopback server carries in its Host header.
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Serve a folder's files, answering a single byte range with 206 (or 416), quietly."""

    def end_headers(self) -> None:
        """Say that byte ranges are served, on every answer."""
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: the page's requests are its own business."""

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """List no folder: the map's page and archives are asked for by name."""
        self.send_error(HTTPStatus.NOT_FOUND)

    def _refused(self) -> bool:
        """Refuse a request from outside this machine's names or the folder; True when refused.

        403 to a request not addressed to this machine by name (a DNS-rebinding web page's),
        404 to a path that leaves the folder through a link.
        """
        host = self.headers.get("Host", "")
        if host.startswith("["):  # [::1]:8000
            name = host[1:].partition("]")[0]
        else:
            name = host.partition(":")[0]
        if name not in _LOOPBACK_NAMES:
            self.send_error(HTTPStatus.FORBIDDEN, "spatial serve answers this machine only")
            return True
        folder = Path(self.directory).resolve()
        if not Path(self.translate_path(self.path)).resolve().is_relative_to(folder):
            self.send_error(HTTPStatus.NOT_FOUND)
            return True
        return False

    def do_HEAD(self) -> None:
        """Answer as usual, to this machine and inside the folder only."""
        if not self._refused():
            super().do_HEAD()

    def do_GET(self) -> None:
        """Answer ``Range: bytes=...`` on a file with its bytes; anything else as usual."""
        if self._refused():
            return
        path = Path(self.translate_path(self.path))
        wanted = _RANGE.match(self.headers.get("Range", "").strip())
        if wanted is None or not path.is_file():
            super().do_GET()
            return
        size = path.stat().st_size
        span = _byte_span(wanted.group(1), wanted.group(2), size)
        if span is None:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start, end = span
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        with path.open("rb") as file:
            file.seek(start)
            self.wfile.write(file.read(end - start + 1))


def _byte_span(first: str, last: str, size: int) -> tuple[int, int] | None:
    """Return the inclusive byte span a range asks of a ``size``-byte file, None if none fits.

    Examples
    --------
    >>> _byte_span("0", "99", 1000), _byte_span("900", "", 1000), _byte_span("", "10", 1000)
    ((0, 99), (900, 999), (990, 999))
    >>> _byte_span("0", "5000", 1000), _byte_span("1000", "", 1000), _byte_span("", "", 1000)
    ((0, 999), None, None)
    """
    if not first and not last:
        return None
    if not first:  # the last N bytes
        count = int(last)
        return (max(size - count, 0), size - 1) if count and size else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def serve(folder: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """Return a server of ``folder`` on ``host`` (loopback only) and ``port``, not yet started.

    Call ``serve_forever()`` on it; ``server_address`` gives the port when 0 was asked.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder (spatial map --out DIR/ writes one)")
    host = loopback_host(host)
    handler = partial(RangeRequestHandler, directory=os.fspath(folder))
    try:
        return (_Server6 if ":" in host else _Server)((host, port), handler)
    except OSError as exc:
        raise UsageError(
            f"--port {port}: cannot listen on {host} ({exc.strerror}); choose another port"
        ) from None


def _address(server: ThreadingHTTPServer, host: str) -> str:
    port = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def run(args: argparse.Namespace) -> int:
    """Serve the folder until Ctrl-C (the KeyboardInterrupt ends the command with 130)."""
    server = serve(args.folder, args.host, args.port)
    host = loopback_host(args.host)
    page = "index.html" if (args.folder / "index.html").is_file() else ""
    try:
        print(f"spatial serve: {args.folder} at {_address(server, host)}{page} (Ctrl-C stops)")
        print(flush=True, end="")
        server.serve_forever()
    finally:
        server.server_close()
    return 0
