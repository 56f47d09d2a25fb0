#!/usr/bin/env python3
"""Run a command on a fresh pseudo-terminal, as a gateway's serial console would, and save
everything it prints there.

usage: on-pty.py SECONDS OUTFILE COMMAND [ARG...]

The command becomes a session leader with the pty as its controlling terminal and as its
stdin, stdout and stderr. After SECONDS it gets SIGTERM; output is drained until it exits
(at most 5 s more, then SIGKILL). Unlike script(1), this does not depend on our own stdin:
script(1) gives up at once when its stdin is closed, which is how CI runs us.
Exit status: the command's own, or 128+signal.
"""
import os
import pty
import select
import signal
import sys
import time


def main() -> int:
    secs, outfile, argv = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    out = bytearray()
    term_at, kill_at = time.monotonic() + secs, time.monotonic() + secs + 5
    status, termed = None, False
    while status is None:
        now = time.monotonic()
        if not termed and now >= term_at:
            os.kill(pid, signal.SIGTERM)
            termed = True
        if now >= kill_at:
            os.kill(pid, signal.SIGKILL)
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed its side of the pty
                chunk = b""
            out += chunk
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    try:  # what the child wrote just before it exited
        while select.select([fd], [], [], 0.1)[0]:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    with open(outfile, "wb") as f:
        f.write(out)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
