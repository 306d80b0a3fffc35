#!/usr/bin/env bash
# floor.sh [N]: the physical floor of a container start here: runc create + runc start, runc run -d, and a
# bare fork+exec of /bin/true, N times each (median, ms), on a busybox bundle with its own pid, ipc, uts, mount
# and network namespaces, like a Hako container without seccomp. Needs root; run under /tmp/hako-test.lock.
set -euo pipefail
n=${1:-10}
dir=$(mktemp -d /tmp/podstart-floor.XXXXXX)
trap 'for c in $(runc --root $dir/runc list -q 2>/dev/null); do runc --root $dir/runc delete -f $c; done; rm -rf $dir' EXIT
mkdir -p $dir/bundle/rootfs/bin $dir/runc
cp /usr/bin/busybox $dir/bundle/rootfs/bin/
for t in sh sleep true; do ln -s busybox $dir/bundle/rootfs/bin/$t; done
cd $dir/bundle
runc spec
python3 - <<'PY'
import json
s = json.load(open("config.json"))
s["process"]["terminal"] = False
s["process"]["args"] = ["/bin/sleep", "3600"]
s["root"]["readonly"] = False
s["linux"]["namespaces"] = [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network")]
json.dump(s, open("config.json", "w"))
PY
python3 - "$dir" "$n" <<'PY'
import subprocess, sys, time, statistics
d, n = sys.argv[1], int(sys.argv[2])
def run(*a):
    t = time.perf_counter(); subprocess.run(list(a), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True); return (time.perf_counter() - t) * 1000
R = ["runc", "--root", d + "/runc"]
res = {k: [] for k in ("runc create", "runc start", "runc run -d", "runc state", "fork+exec /bin/true")}
for i in range(n):
    res["runc create"].append(run(*R, "create", "--bundle", d + "/bundle", "c%d" % i))
    res["runc state"].append(run(*R, "state", "c%d" % i))
    res["runc start"].append(run(*R, "start", "c%d" % i))
    res["runc run -d"].append(run(*R, "run", "-d", "--bundle", d + "/bundle", "r%d" % i))
    res["fork+exec /bin/true"].append(run("/bin/true"))
    run(*R, "delete", "-f", "c%d" % i); run(*R, "delete", "-f", "r%d" % i)
import os, select
def conmon(i, level):
    cid = "m%d" % i
    sr, sw = os.pipe(); tr, tw = os.pipe()
    os.makedirs(d + "/exits", exist_ok=True); os.makedirs(d + "/attach", exist_ok=True)
    b = d + "/bundle"
    for f in ("conmon.pid", "pidfile", "exit"):
        try: os.unlink(b + "/" + f)
        except FileNotFoundError: pass
    t = time.perf_counter()
    env = {"PATH": os.environ["PATH"], "_OCI_SYNCPIPE": "3", "_OCI_STARTPIPE": "4"}
    def fds():
        os.dup2(sw, 3); os.dup2(tr, 4)
    p = subprocess.Popen(["conmon", "-b", b, "-c", cid, "--exit-dir", d + "/exits", "-l", d + "/" + cid + ".log",
        "--log-level", level, "-n", cid, "-P", b + "/conmon.pid", "-p", b + "/pidfile", "--persist-dir", b,
        "-r", "/usr/sbin/runc", "--runtime-arg", "--root=" + d + "/runc", "--socket-dir-path", d + "/attach",
        "--syslog", "-u", cid], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env, cwd=b,
        preexec_fn=fds, close_fds=False)
    os.write(tw, b"0")
    p.wait()
    first = (time.perf_counter() - t) * 1000
    buf = b""
    while b"\n" not in buf:
        select.select([sr], [], [], 10)
        buf += os.read(sr, 4096)
    total = (time.perf_counter() - t) * 1000
    for f in (sr, sw, tr, tw): os.close(f)
    return first, total, cid
res["conmon first exit"] = []; res["conmon+runc create"] = []; res["conmon+runc create (debug)"] = []
for i in range(n):
    for level, key in (("info", "conmon+runc create"), ("debug", "conmon+runc create (debug)")):
        first, total, cid = conmon(i if level == "info" else 1000 + i, level)
        if level == "info": res["conmon first exit"].append(first)
        res[key].append(total)
        subprocess.run(R + ["delete", "-f", cid], stdout=subprocess.DEVNULL)
for k, v in res.items():
    v.sort(); print("%-20s median %5.1f ms (min %5.1f, max %5.1f)" % (k, v[len(v)//2], v[0], v[-1]))
PY
