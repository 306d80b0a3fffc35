#!/usr/bin/env python3
"""promcheck.py METRICS_FILE READY_PODS: checks one scrape of Hako's /metrics taken during the e2e run.

The text must parse as the Prometheus text format (every sample line: name{labels} value), carry the
families the README lists, count as many ready pods as the runtime lists, and show the kubelet's calls.
Prints a one-line summary; exits 1 naming what is wrong.
"""
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+\d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
FAMILIES = ["hako_grpc_requests_total", "hako_grpc_request_duration_seconds", "hako_pods", "hako_containers",
            "hako_pod_start_phase_duration_seconds", "hako_image_pulls_total", "hako_network_plugin_operations_total",
            "jvm_memory_used_bytes", "jvm_threads_current"]


def main():
    path, ready = sys.argv[1], int(sys.argv[2])
    samples, types = [], {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            sys.exit(f"line {n} is not a sample: {line[:120]}")
        samples.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    missing = [f for f in FAMILIES if f not in types]
    if missing:
        sys.exit(f"families missing: {' '.join(missing)}")

    def total(name, **want):
        return sum(v for s, labels, v in samples if s == name and all(labels.get(k) == w for k, w in want.items()))

    pods = total("hako_pods", state="ready")
    if pods != ready:
        sys.exit(f"hako_pods{{state=ready}} is {pods:g}, the runtime lists {ready} ready pods")
    runs = total("hako_grpc_requests_total", method="RunPodSandbox", code="OK")
    statuses = total("hako_grpc_requests_total", method="PodSandboxStatus")
    if runs < ready or statuses == 0:
        sys.exit(f"RunPodSandbox OK {runs:g} (want >= {ready}), PodSandboxStatus {statuses:g}")
    starts = total("hako_pod_start_phase_duration_seconds_count", phase="start")
    print(f"{len(samples)} samples in {len(types)} families; {pods:g} ready pods, {runs:g} RunPodSandbox, "
          f"{statuses:g} PodSandboxStatus, {starts:g} container starts timed, "
          f"{total('hako_containers', state='running'):g} running containers")


if __name__ == "__main__":
    main()
