#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in syslog daemon for the stack tests.

syslog_listener.py SOCKET OUT: bind SOCKET (normally /dev/log) as a UNIX
datagram socket, create OUT.ready, and append every message received to
OUT, one line each, as syslog(3) sent it ("<PRI>Mmm dd hh:mm:ss
ident[pid]: message"). A socket left at SOCKET by a listener or daemon that
died (nobody receives on it) is replaced; a live one is left alone and the
listener exits 3. On SIGTERM it removes SOCKET if it is still its own."""
import os
import signal
import socket
import stat
import sys


def dead_socket(path):
    """Whether path is a socket that nobody receives on."""
    if not stat.S_ISSOCK(os.lstat(path).st_mode):
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        probe.connect(path)
        return False
    except ConnectionRefusedError:
        return True
    finally:
        probe.close()


def main():
    path, out = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if os.path.lexists(path):
        if not dead_socket(path):
            sys.exit(3)
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    ino = os.stat(path).st_ino
    try:
        # Anyone may log, as with a real /dev/log.
        os.chmod(path, 0o666)
        with open(out, "ab", buffering=0) as f:
            open(out + ".ready", "w").close()
            while True:
                data = sock.recv(65536)
                f.write(data.rstrip(b"\0\n") + b"\n")
    finally:
        try:
            if os.stat(path).st_ino == ino:
                os.unlink(path)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    main()
