#!/usr/bin/env python3
"""Holds N slow-header ("slowloris") connections open against HOST PORT: each sends one header
byte per second and never finishes its request head. Connections the server closes (header
timeout) are reopened, so N stay open until this process is killed. Loopback only."""
import socket
import sys
import time

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if not host.startswith("127.") and host not in ("localhost", "::1"):
    sys.exit("slow_clients.py only targets loopback")
payload = b"GET /bench/hello HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 4096
sockets = {}


def open_one(i):
    s = socket.socket()
    s.setblocking(True)
    s.settimeout(2)
    try:
        s.connect((host, port))
    except OSError:
        s.close()
        return
    sockets[i] = [s, 0]


deadline = time.time() + 3600  # bounded: never runs longer than an hour
while time.time() < deadline:
    for i in range(count):
        if i not in sockets:
            open_one(i)
            continue
        s, sent = sockets[i]
        try:
            s.send(payload[sent % len(payload):sent % len(payload) + 1])
            sockets[i][1] += 1
        except OSError:
            s.close()
            del sockets[i]
    time.sleep(1)
