#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in syslog daemon for the stack tests: bind SOCKET (normally
/dev/log) as a UNIX datagram socket and append every message received to
OUT, one line each, as syslog(3) sent it ("<PRI>Mmm dd hh:mm:ss
ident[pid]: message"). Runs until SIGTERM or until the test that started it
is gone, then removes SOCKET if it is still the one it bound."""
import os
import signal
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    ino = os.stat(path).st_ino
    try:
        # Anyone may log, as with a real /dev/log.
        os.chmod(path, 0o666)
        sock.settimeout(1.0)
        with open(out, "ab", buffering=0) as f:
            while os.getppid() == parent:
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    continue
                f.write(data.rstrip(b"\0\n") + b"\n")
    finally:
        try:
            if os.stat(path).st_ino == ino:
                os.unlink(path)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    main()
