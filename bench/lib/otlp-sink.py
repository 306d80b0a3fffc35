#!/usr/bin/env python3
"""otlp-sink.py [PORT]: an OTLP/HTTP receiver for benchmarks that accepts every export and keeps nothing.

Answers POST /v1/traces (and /v1/metrics, /v1/logs) with 200 and an empty protobuf body, as a collector
does, and counts the requests and bytes it saw; prints the totals on SIGTERM/SIGINT. Default port 4318.
"""
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = {"requests": 0, "bytes": 0}


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        seen["requests"] += 1
        seen["bytes"] += n
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 4318
    server = ThreadingHTTPServer(("127.0.0.1", port), Sink)

    def stop(*_):
        print(f"otlp-sink: {seen['requests']} exports, {seen['bytes']} bytes", file=sys.stderr)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
