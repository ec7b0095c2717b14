#!/usr/bin/env python3
# Run a command on a new pseudo-terminal pair of our own, as a user's
# terminal would: the command's stdin, stdout and stderr are the slave, with
# the window size given; we read the master. Prints what the command wrote,
# then "status N", then whether the terminal's modes were the same before and
# after ("modes same" or "modes changed").
#
#   pty-run.py [--size ROWSxCOLS] [--signal SIG@SECONDS]... [--input TEXT@SECONDS] -- CMD...
#
# --signal sends SIG to the command after SECONDS (several may be given);
# --input writes TEXT to the terminal after SECONDS; --resize ROWSxCOLS@SECONDS
# changes the window size (the kernel sends SIGWINCH to the foreground).
# --after TEXT counts the SECONDS from when TEXT first appears in the output
# (so a slow start cannot make the test type before the command listens).
# --close SECONDS closes the master, as a terminal emulator that goes away:
# the kernel hangs up the slave (SIGHUP to the command, EIO on reads); what
# the command writes after that is lost.
import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

ap = argparse.ArgumentParser()
ap.add_argument("--size", default="24x80")
ap.add_argument("--signal", action="append", default=[])
ap.add_argument("--input", action="append", default=[])
ap.add_argument("--resize", action="append", default=[])
ap.add_argument("--after", default=None)
ap.add_argument("--close", type=float, default=None)
ap.add_argument("--timeout", type=float, default=30)
ap.add_argument("cmd", nargs="+")
a = ap.parse_args()

master, slave = pty.openpty()
rows, cols = (int(x) for x in a.size.split("x"))
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
before = termios.tcgetattr(slave)


def as_session_leader():
    # the slave becomes the command's controlling terminal, as in a login
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


p = subprocess.Popen(a.cmd, stdin=slave, stdout=slave, stderr=slave, preexec_fn=as_session_leader)
events = []
for s in a.signal:
    name, at = s.split("@")
    events.append((float(at), "signal", getattr(signal, name)))
for s in a.input:
    text, at = s.rsplit("@", 1)
    events.append((float(at), "input", text.encode().decode("unicode_escape").encode()))
for s in a.resize:
    size, at = s.split("@")
    events.append((float(at), "resize", tuple(int(x) for x in size.split("x"))))
if a.close is not None:
    events.append((a.close, "close", None))
events.sort(key=lambda e: e[0])

start = time.monotonic()
t0 = None if a.after else start
out = b""
status = None
while True:
    now = time.monotonic() - start
    if t0 is None and a.after.encode() in out:
        t0 = time.monotonic()
    while t0 is not None and events and events[0][0] <= time.monotonic() - t0:
        _, kind, arg = events.pop(0)
        if kind == "signal":
            p.send_signal(arg)
        elif kind == "close":
            os.close(master)
            master = None
        elif kind == "resize":
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", arg[0], arg[1], 0, 0))
        else:
            os.write(master, arg)
    if status is None:
        status = p.poll()
    if master is None:
        if status is not None:
            break
        time.sleep(0.05)
        r = []
    else:
        r, _, _ = select.select([master], [], [], 0.05)
    if r:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        out += data
    elif status is not None:
        break
    if now > a.timeout:
        p.kill()
        status = p.wait()
        out += b"\n[timeout]\n"
        break
try:
    after = termios.tcgetattr(slave)
except termios.error:  # hung up by --close
    after = None
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
print("status %d" % (status if status >= 0 else 128 - status))
print("modes same" if before == after else "modes changed")
