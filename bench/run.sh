#!/bin/bash
# Container start, side by side: the C floor (bench/floor.c), nsbox run,
# nsbox unshare, util-linux unshare, bwrap, crun, runc and nsbox-oci, on the
# same busybox rootfs and OCI bundle, running /bin/true. Everything is
# measured in ONE run: every round runs each command once, in a fresh random
# order (round-robin, shuffled), so that drift of the machine hits them all
# alike; each round's time is also divided by the floor's time in the same
# round, and the table shows the median of those ratios. Then 100 containers
# in sequence and 2 workers x 50 in parallel, peak RSS (/usr/bin/time -v),
# and nsbox lsns against util-linux lsns. Prints a Markdown table (for the
# README's Performance section) on stdout; progress goes to stderr.
#
#   bench/run.sh [-n ROUNDS] [-b BUILD_DIR] [-B BATCH_REPEATS] [--quick]
#
# Run as root (the unprivileged rows run as nobody through setpriv). Never
# part of the test suite's pass/fail. bench/setup.sh installs what it needs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
rounds=100
build=$src/build
batch_repeats=3
while [ $# -gt 0 ]; do
        case $1 in
        -n) rounds=$2; shift 2 ;;
        -b) build=$(cd "$2" && pwd); shift 2 ;;
        -B) batch_repeats=$2; shift 2 ;;
        --quick) rounds=10; batch_repeats=1; shift ;;
        -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/run.sh: unknown option '$1'" >&2; exit 2 ;;
        esac
done
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root" >&2; exit 1; }
work=$("$here/setup.sh")
[ -x "$build/src/nsbox" ] || ninja -C "$build" >&2
# the unprivileged user must be able to run the binaries from the build tree
nsbox_bin=$work/bin/nsbox
mkdir -p "$work/bin"
cp "$build/src/nsbox" "$nsbox_bin.tmp" && mv "$nsbox_bin.tmp" "$nsbox_bin"
oci_bin=
for f in "$build/src/nsbox-oci" "$build/nsbox-oci"; do
        if [ -x "$f" ]; then
                cp "$f" "$work/bin/nsbox-oci.tmp" && mv "$work/bin/nsbox-oci.tmp" "$work/bin/nsbox-oci"
                oci_bin=$work/bin/nsbox-oci
                break
        fi
done
# libnsbox.so from the build tree, for a binary linked against it
libdir=$(dirname "$(find "$build/lib" -name 'libnsbox.so*' -print -quit 2>/dev/null || echo "$build/lib/x")")
if [ -d "$libdir" ] && ldd "$nsbox_bin" | grep -q 'libnsbox.*not found'; then
        cp -a "$libdir"/libnsbox.so* "$work/bin/"
        export LD_LIBRARY_PATH=$work/bin
fi
chmod -R a+rX "$work/bin"

export BENCH_WORK=$work BENCH_NSBOX=$nsbox_bin BENCH_OCI=$oci_bin BENCH_ROUNDS=$rounds
export BENCH_BATCH_REPEATS=$batch_repeats BENCH_SRC=$src
exec python3 - <<'PYEOF'
import ctypes, os, random, shutil, statistics, subprocess, sys, threading, time

W = os.environ["BENCH_WORK"]
NSBOX = os.environ["BENCH_NSBOX"]
OCI = os.environ["BENCH_OCI"]
ROUNDS = int(os.environ["BENCH_ROUNDS"])
BATCH_REPEATS = int(os.environ["BENCH_BATCH_REPEATS"])
ROOTFS = W + "/rootfs"
FLOOR = W + "/floor"
NOBODY = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
DEVNULL = os.open("/dev/null", os.O_RDWR)
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root"}
if "LD_LIBRARY_PATH" in os.environ:
    ENV["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
NOBODY_ENV = dict(ENV, HOME="/nonexistent", XDG_RUNTIME_DIR=W + "/xdg")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- crun 1.8 refuses this machine's hybrid cgroups: it runs in a private
# mount namespace without /sys/fs/cgroup/unified. The driver enters it around
# crun's runs only (outside the timed window) and holds it by an fd, so it
# goes away with the driver. ----
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE, MNT_DETACH = 0x4000, 0x40000, 2


def check(r, what):
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, "%s: %s" % (what, os.strerror(e)))


host_mnt = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
check(libc.unshare(CLONE_NEWNS), "unshare")
check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
if os.path.ismount("/sys/fs/cgroup/unified"):
    check(libc.umount2(b"/sys/fs/cgroup/unified", MNT_DETACH), "umount cgroup2")
crun_mnt = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
check(libc.setns(host_mnt, CLONE_NEWNS), "setns back")


def setns_mnt(fd, what):
    # EINVAL while the OS threads of a finished batch still exit (they share
    # our fs_struct): Thread.join() returns a little before that
    for _ in range(1000):
        if libc.setns(fd, CLONE_NEWNS) == 0:
            return
        time.sleep(0.001)
    check(-1, what)


class ns_for:
    def __init__(self, v):
        self.fd = crun_mnt if v.get("crun_ns") else None

    def __enter__(self):
        if self.fd is not None:
            setns_mnt(self.fd, "setns crun")

    def __exit__(self, *a):
        if self.fd is not None:
            setns_mnt(host_mnt, "setns host")


# ---- the commands ----
seq = [0]


def cid(prefix):
    seq[0] += 1
    return "%s-%d-%d" % (prefix, os.getpid(), seq[0])


for d in ("crun-root", "runc-root", "oci-root", "xdg", "crun-root-nobody", "runc-root-nobody", "oci-root-nobody"):
    p = os.path.join(W, d)
    shutil.rmtree(p, ignore_errors=True)
    os.makedirs(p, mode=0o700)
    if d.endswith("nobody") or d == "xdg":
        os.chown(p, 65534, 65534)

UNSHARE_OPTS = ["--pid", "--fork", "--mount-proc", "--uts", "--ipc", "--mount"]
NSBOX_FLOOR_OPTS = ["--net", "host", "--minimal"]
# once nsbox run has a default seccomp filter, the floor's work has none
_help = subprocess.run([NSBOX, "run", "--help"], stdout=subprocess.PIPE, text=True).stdout
if "seccomp=" in _help:
    NSBOX_FLOOR_OPTS += ["--security-opt", "seccomp=unconfined"]
# ... and, once nsbox run makes a cgroup by default, no cgroup
if "--cgroups" in _help:
    NSBOX_FLOOR_OPTS += ["--cgroups", "disabled"]
V = []  # each: name, group, argv() (a function: fresh container ids), flags


def add(name, group, argv, **kw):
    V.append(dict(name=name, group=group, argv=argv, **kw))


T = "/bin/true"
add("the floor (`bench/floor.c`)", "root", lambda: [FLOOR, ROOTFS], base=True, batch=True)
add("the floor plus a network namespace", "root", lambda: [FLOOR, "-n", ROOTFS])
add("`nsbox run` (full defaults)", "root", lambda: [NSBOX, "run", "--rootfs", ROOTFS, "--", T], batch=True)
add("`nsbox run " + " ".join(NSBOX_FLOOR_OPTS) + "` (the floor's work)", "root",
    lambda: [NSBOX, "run", "--rootfs", ROOTFS] + NSBOX_FLOOR_OPTS + ["--", T], batch=True)
add("util-linux `unshare " + " ".join(UNSHARE_OPTS) + " true`", "root",
    lambda: ["/usr/bin/unshare"] + UNSHARE_OPTS + ["true"], batch=True)
add("`nsbox unshare` (same options)", "root", lambda: [NSBOX, "unshare"] + UNSHARE_OPTS + ["true"], batch=True)
add("`bwrap --unshare-all`, rootfs bound, /proc", "root",
    lambda: ["/usr/bin/bwrap", "--unshare-all", "--bind", ROOTFS, "/", "--proc", "/proc", T], batch=True)
add("`crun run` (cgroup v1)", "root",
    lambda: ["/usr/bin/crun", "--root", W + "/crun-root", "run", "--bundle", W + "/bundle", cid("crun")],
    crun_ns=True, batch=True)
add("`runc run`", "root",
    lambda: ["/usr/sbin/runc", "--root", W + "/runc-root", "run", "--bundle", W + "/bundle", cid("runc")],
    batch=True)
if OCI:
    add("`nsbox-oci run`", "root",
        lambda: [OCI, "--root", W + "/oci-root", "run", "--bundle", W + "/bundle", cid("oci")], batch=True)
else:
    add("`nsbox-oci run`", "root", None, missing="not built yet")

add("the floor with a user namespace (`floor -U`)", "rootless", lambda: NOBODY + [FLOOR, "-U", ROOTFS], base=True)
add("`nsbox run` (full defaults)", "rootless", lambda: NOBODY + [NSBOX, "run", "--rootfs", ROOTFS, "--", T])
add("util-linux `unshare -r` + the options above", "rootless",
    lambda: NOBODY + ["/usr/bin/unshare", "-r"] + UNSHARE_OPTS + ["true"])
add("`nsbox unshare -r` (same options)", "rootless", lambda: NOBODY + [NSBOX, "unshare", "-r"] + UNSHARE_OPTS + ["true"])
add("`bwrap --unshare-all`", "rootless",
    lambda: NOBODY + ["/usr/bin/bwrap", "--unshare-all", "--bind", ROOTFS, "/", "--proc", "/proc", T])
add("`crun run` (rootless spec)", "rootless",
    lambda: NOBODY + ["/usr/bin/crun", "--root", W + "/crun-root-nobody", "run", "--bundle", W + "/bundle-rootless",
                      cid("crun")], crun_ns=True)
add("`runc run` (rootless spec)", "rootless",
    lambda: NOBODY + ["/usr/sbin/runc", "--root", W + "/runc-root-nobody", "run", "--bundle",
                      W + "/bundle-rootless", cid("runc")])
if OCI:
    add("`nsbox-oci run` (rootless spec)", "rootless",
        lambda: NOBODY + [OCI, "--root", W + "/oci-root-nobody", "run", "--bundle", W + "/bundle-rootless",
                          cid("oci")])
else:
    add("`nsbox-oci run` (rootless spec)", "rootless", None, missing="not built yet")

add("util-linux `lsns`", "lsns", lambda: ["/usr/bin/lsns"], base=True)
add("`nsbox lsns`", "lsns", lambda: [NSBOX, "lsns"])
add("util-linux `lsns -J`", "lsns", lambda: ["/usr/bin/lsns", "-J"])
add("`nsbox lsns -J`", "lsns", lambda: [NSBOX, "lsns", "-J"])


def spawn(argv, env):
    return os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_DUP2, DEVNULL, 0), (os.POSIX_SPAWN_DUP2, DEVNULL, 1)])


def run_once(v):
    """Wall time in seconds of one run, and its exit status."""
    argv = v["argv"]()
    env = NOBODY_ENV if v["group"] == "rootless" else ENV
    with ns_for(v):
        t0 = time.perf_counter_ns()
        pid = spawn(argv, env)
        _, st = os.waitpid(pid, 0)
        t1 = time.perf_counter_ns()
    return (t1 - t0) / 1e9, os.waitstatus_to_exitcode(st)


# ---- probe: does it work here at all? ----
for v in V:
    if v.get("missing"):
        continue
    argv = v["argv"]()
    env = NOBODY_ENV if v["group"] == "rootless" else ENV
    with ns_for(v):
        p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        err = (p.stderr.strip().splitlines() or ["exit status %d" % p.returncode])[-1]
        v["missing"] = "fails here: " + err.replace("|", "\\|")[:120]
        log("skip:", v["name"], v["group"], "->", v["missing"])

live = [v for v in V if not v.get("missing")]
for v in live:
    v["t"], v["ratio"] = [], []
    for _ in range(3):  # warm-up: page cache, dentries
        run_once(v)

# ---- round-robin, shuffled ----
failures = {}
log("%d rounds of %d commands" % (ROUNDS, len(live)))
for r in range(ROUNDS):
    order = live[:]
    random.shuffle(order)
    this = {}
    for v in order:
        t, code = run_once(v)
        if code != 0:
            failures[v["name"]] = failures.get(v["name"], 0) + 1
        this[id(v)] = t
    bases = {v["group"]: this[id(v)] for v in live if v.get("base")}
    for v in live:
        v["t"].append(this[id(v)])
        if v["group"] in bases:
            v["ratio"].append(this[id(v)] / bases[v["group"]])
    if (r + 1) % 10 == 0:
        log("  round %d/%d" % (r + 1, ROUNDS))


# ---- peak RSS of each command (its largest process), /usr/bin/time -v ----
def peak_rss(v):
    argv = v["argv"]()
    env = NOBODY_ENV if v["group"] == "rootless" else ENV
    with ns_for(v):
        p = subprocess.run(["/usr/bin/time", "-v"] + argv, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    return None


for v in live:
    v["rss"] = statistics.median(x for x in (peak_rss(v) for _ in range(3)) if x is not None)


# ---- 100 in sequence, 2 workers x 50 in parallel ----
def batch(v, workers, each):
    def worker():
        for _ in range(each):
            pid = spawn(v["argv"](), ENV)
            _, st = os.waitpid(pid, 0)
            if st != 0:
                errors.append(st)
    errors = []
    with ns_for(v):
        t0 = time.perf_counter_ns()
        ts = [threading.Thread(target=worker) for _ in range(workers)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        t1 = time.perf_counter_ns()
    return (t1 - t0) / 1e9, len(errors)


batched = [v for v in live if v.get("batch")]
log("batches: 100 in sequence, 2 x 50 in parallel, %d times each" % BATCH_REPEATS)
for v in batched:
    v["seq"], v["par"] = [], []
for _ in range(BATCH_REPEATS):
    order = batched[:]
    random.shuffle(order)
    for v in order:
        t, e = batch(v, 1, 100)
        v["seq"].append(t)
        t, e2 = batch(v, 2, 50)
        v["par"].append(t)
        if e or e2:
            failures[v["name"] + " (batch)"] = e + e2


# ---- the table ----
def q(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def ms(x):
    return "%.2f" % (x * 1000)


def ver(cmd):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
        return out.splitlines()[0].strip()
    except Exception:
        return "?"


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0) / 1024 / 1024
rev = subprocess.run(["git", "-C", os.environ["BENCH_SRC"], "describe", "--always", "--dirty"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip() or "?"
out = []
out.append("Measured %s on %s: %s, %d CPUs, %.0f GiB, Linux %s, Debian %s; nsbox %s, %s, %s, %s, %s. "
           "%d rounds, each running every command once in a random order; /bin/true in a busybox rootfs."
           % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.uname().nodename, cpu, os.cpu_count(), mem,
              os.uname().release, open("/etc/debian_version").read().strip(), rev, ver(["crun", "--version"]),
              ver(["runc", "--version"]), ver(["bwrap", "--version"]), ver(["unshare", "--version"]), ROUNDS))
out.append("")
titles = {"root": "as root; ratio to the floor",
          "rootless": "as the unprivileged user nobody (through `setpriv`); ratio to the floor with a user namespace",
          "lsns": "listing namespaces; ratio to util-linux `lsns`"}
for g in ("root", "rootless", "lsns"):
    out.append("| %s | median ms | spread (p10–p90) ms | median ratio | peak RSS MiB |" % titles[g])
    out.append("| --- | ---: | ---: | ---: | ---: |")
    for v in V:
        if v["group"] != g:
            continue
        if v.get("missing"):
            out.append("| %s | %s | | | |" % (v["name"], v["missing"]))
            continue
        ratio = "%.2f" % statistics.median(v["ratio"]) if v["ratio"] else ""
        out.append("| %s | %s | %s–%s | %s | %.1f |" % (v["name"], ms(statistics.median(v["t"])),
                                                       ms(q(v["t"], 0.1)), ms(q(v["t"], 0.9)), ratio, v["rss"]))
    out.append("")
if batched:
    out.append("| many containers (as root; median of %d) | 100 in sequence, s | per container, ms | "
               "2 workers × 50, s | per container, ms |" % BATCH_REPEATS)
    out.append("| --- | ---: | ---: | ---: | ---: |")
    for v in batched:
        s, p = statistics.median(v["seq"]), statistics.median(v["par"])
        out.append("| %s | %.2f | %s | %.2f | %s |" % (v["name"], s, ms(s / 100), p, ms(p / 100)))
    out.append("")
if failures:
    out.append("Failed runs (not zero exit status): " + ", ".join("%s: %d" % kv for kv in failures.items()))
print("\n".join(out))
PYEOF
