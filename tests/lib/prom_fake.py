#!/usr/bin/env python3
"""tests/lib/prom_fake.py — a misbehaving Prometheus on 127.0.0.1 for it_prom.sh.

  prom_fake.py PORTFILE MODE INSTANCE

Answers /api/v1/status/config and the discovery query (the first
/api/v1/query) like a real server with one node_exporter target INSTANCE,
then every later query per MODE:
  slow     never answers (holds the connection open)
  error    HTTP 400 with the API's error JSON
  garbage  HTTP 200 with a body that is not JSON
Writes its port to PORTFILE once listening.  Runs until killed.
"""
import http.server
import json
import socketserver
import sys
import threading
import time

PORTFILE, MODE, INSTANCE = sys.argv[1], sys.argv[2], sys.argv[3]
seen = {"queries": 0}
lock = threading.Lock()


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body, ctype="application/json"):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        if self.path.startswith("/api/v1/status/config"):
            y = "global:\n  scrape_interval: 1s\n"
            return self.reply(200, json.dumps({"status": "success", "data": {"yaml": y}}))
        if not self.path.startswith("/api/v1/query"):
            return self.reply(404, "not found", "text/plain")
        with lock:
            seen["queries"] += 1
            first = seen["queries"] == 1
        if first:
            r = [{"metric": {"instance": INSTANCE}, "value": [time.time(), "1"]}]
            return self.reply(200, json.dumps({"status": "success", "data": {
                "resultType": "vector", "result": r}}))
        if MODE == "slow":
            time.sleep(3600)
        elif MODE == "error":
            return self.reply(400, json.dumps({"status": "error", "errorType": "bad_data",
                                               "error": "fake: query refused"}))
        else:
            return self.reply(200, '{"status":"success","data":{"resultType":"vector","result":[{')


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = S(("127.0.0.1", 0), H)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
