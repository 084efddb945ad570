#!/usr/bin/env python3
"""Local AWS emulator for secure-api tests and the demo (SPEC section 5).

Runs moto's server (moto 5.2) in the foreground on 127.0.0.1 and, once it
answers HTTP requests, prints exactly one line ``http://127.0.0.1:PORT`` to
stdout. Nothing else is ever written to stdout.

    python3 scripts/local_aws.py [--port N] [--watch-stdin] [--log]

  --port N        port to bind (default 0 = pick a free port)
  --watch-stdin   also exit when stdin reaches EOF (tie the server's life to
                  a parent process that holds the write end of a pipe)
  --log           log each request to stderr (default: quiet)

Exits 0 on SIGTERM / SIGINT (and on stdin EOF with --watch-stdin).

Before serving, it adds to moto's apigatewayv2 exactly what the tool needs
and moto lacks (see ``apply_patches``): GetAuthorizers, and maxResults /
nextToken paging for GetRoutes. Nothing else in moto is changed.
"""

import argparse
import base64
import binascii
import http.client
import json
import logging
import os
import signal
import sys
import threading
import time
import warnings


def _page(items, kind, api_id, max_results, next_token):
    """Return (page, next_token_or_None) for an apigatewayv2 list call.

    The token is opaque to clients (urlsafe base64 of a small JSON document)
    and is bound to the call and API it came from. An unparsable, foreign or
    out-of-range token, or a maxResults that is not a positive integer, is a
    400 BadRequestException, as AWS answers.
    """
    from moto.apigatewayv2.exceptions import BadRequestException

    limit = None
    if max_results is not None:
        try:
            limit = int(max_results)
        except ValueError:
            limit = 0
        if limit < 1:
            raise BadRequestException(f"Invalid maxResults: {max_results}")
    start = 0
    if next_token is not None:
        try:
            raw = base64.urlsafe_b64decode(next_token.encode("ascii") + b"==")
            doc = json.loads(raw)
            start = doc["o"]
            ok = (doc["k"] == kind and doc["a"] == api_id
                  and isinstance(start, int) and 0 < start <= len(items))
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
            ok = False
        if not ok:
            raise BadRequestException("The nextToken provided is invalid.")
    end = len(items) if limit is None else min(len(items), start + limit)
    token = None
    if end < len(items):
        doc = json.dumps({"k": kind, "a": api_id, "o": end}, separators=(",", ":"))
        token = base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")
    return items[start:end], token


def _list_body(page, token):
    body = {"items": [x.to_json() for x in page]}
    if token is not None:
        body["nextToken"] = token
    return json.dumps(body)


def apply_patches():
    """Add the apigatewayv2 calls moto 5.2.1 lacks. Nothing else."""
    from moto.apigatewayv2.models import ApiGatewayV2Backend
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    # Patch 1: GetAuthorizers (GET /v2/apis/{apiId}/authorizers). moto routes
    # the URL but has no handler (500 "not implemented"). AWS returns
    # {"items": [Authorizer...], "nextToken"?} paged by the maxResults /
    # nextToken query parameters, and NotFoundException for an unknown API.
    def get_authorizers(self, api_id):
        return list(self.get_api(api_id).authorizers.values())

    def get_authorizers_response(self):
        api_id = self.path.split("/")[-2]
        items = self.apigatewayv2_backend.get_authorizers(api_id)
        page, token = _page(items, "authorizers", api_id,
                            self._get_param("maxResults"),
                            self._get_param("nextToken"))
        return 200, {}, _list_body(page, token)

    ApiGatewayV2Backend.get_authorizers = get_authorizers
    ApiGatewayV2Response.get_authorizers = get_authorizers_response

    # Patch 2: GetRoutes paging. moto returns every route and ignores the
    # maxResults / nextToken query parameters; AWS returns at most maxResults
    # items plus a nextToken while more remain, and BadRequestException for an
    # invalid nextToken.
    def get_routes_response(self):
        api_id = self.path.split("/")[-2]
        items = self.apigatewayv2_backend.get_routes(api_id=api_id)
        page, token = _page(items, "routes", api_id,
                            self._get_param("maxResults"),
                            self._get_param("nextToken"))
        return 200, {}, _list_body(page, token)

    ApiGatewayV2Response.get_routes = get_routes_response


def _probe(port, deadline):
    """Poll until the server answers an HTTP request (or the deadline)."""
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/moto-api/")
                conn.getresponse().read()
                return True
            finally:
                conn.close()
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="local_aws.py",
        description="Run the moto AWS emulator on 127.0.0.1 for secure-api; "
                    "prints http://127.0.0.1:PORT once ready.")
    parser.add_argument("--port", type=int, default=0,
                        help="port to bind (default 0: pick a free port)")
    parser.add_argument("--watch-stdin", action="store_true",
                        help="exit when stdin reaches EOF")
    parser.add_argument("--log", action="store_true",
                        help="log requests to stderr")
    args = parser.parse_args(argv)

    # Keep stdout for the single endpoint line: anything else that writes to
    # fd 1 (moto prints a few diagnostics) goes to stderr instead.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    if not args.log:
        warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.INFO if args.log else logging.ERROR,
                        stream=sys.stderr, format="%(message)s")

    from werkzeug.serving import WSGIRequestHandler, make_server
    from moto.moto_server.werkzeug_app import (DomainDispatcherApplication,
                                               create_backend_app)
    apply_patches()

    class Handler(WSGIRequestHandler):
        def log_request(self, *a, **kw):
            if args.log:
                super().log_request(*a, **kw)

    server = make_server("127.0.0.1", args.port,
                         DomainDispatcherApplication(create_backend_app),
                         threaded=True, request_handler=Handler)
    port = server.server_port
    os.environ["MOTO_PORT"] = str(port)  # moto builds some URLs from this
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()

    if args.watch_stdin:
        def watch():
            try:
                while os.read(0, 65536):
                    pass
            except OSError:
                pass
            stop.set()
        threading.Thread(target=watch, daemon=True).start()

    if not _probe(port, time.monotonic() + 30):
        print("local_aws: server did not become ready", file=sys.stderr)
        server.shutdown()
        return 1
    if stop.is_set():
        server.shutdown()
        return 0
    try:
        out.write(f"http://127.0.0.1:{port}\n")
        out.flush()
    except BrokenPipeError:
        pass

    while not stop.wait(3600):
        pass
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
