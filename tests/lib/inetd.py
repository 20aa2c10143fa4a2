#!/usr/bin/env python3
"""tests/lib/inetd.py PORT LOG CMD... — a one-line inetd for tests: listen
on 127.0.0.1:PORT, and for every connection run CMD with the connection as
its stdin and stdout (e.g. `ip netns exec NS sshd -i -f CFG`: an sshd that
lives in a network namespace, reached from the host's loopback).  Each
accepted connection appends one line to LOG.  Stops on SIGTERM, taking its
children with it."""
import os
import signal
import socket
import subprocess
import sys

port, log, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
kids = []


def stop(*_):
    """Stop every child, then exit."""
    for k in kids:
        if k.poll() is None:
            k.terminate()
    for k in kids:
        try:
            k.wait(timeout=2)
        except subprocess.TimeoutExpired:
            k.kill()
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
print("listening", flush=True)
while True:
    c, peer = s.accept()
    with open(log, "a") as f:
        f.write("accepted %s:%d\n" % peer)
    kids.append(subprocess.Popen(cmd, stdin=c, stdout=c, stderr=subprocess.DEVNULL))
    c.close()
    kids = [k for k in kids if k.poll() is None]
