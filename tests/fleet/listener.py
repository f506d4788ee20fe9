#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A misbehaving "server" on 127.0.0.1 for the fleet tests.

  listener.py hang PORTFILE   accept, read, never answer
  listener.py nossl PORTFILE  answer an SSLRequest with "N" (no TLS), then
                              wait for a startup packet that never helps

Writes the port it listens on to PORTFILE, then serves until killed.
"""
import socket
import sys
import threading


def serve(conn, mode):
    try:
        data = conn.recv(8)
        if mode == "nossl" and len(data) == 8:
            conn.sendall(b"N")
        while conn.recv(4096):
            pass
    except OSError:
        pass


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


main()
