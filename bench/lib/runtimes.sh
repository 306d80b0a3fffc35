# bench/lib/runtimes.sh: configuration and clean-up of private Hako and containerd 1.6 instances for
# benchmarks (sourced, not executed). Each instance lives in one directory: socket, root, state, CNI
# config and host-local leases, registry mirrors, runc root and netns pins all below it, its pods'
# cgroups below /<CGROUP_TOP>/<runtime>, and its own CNI bridge. Nothing is shared with a system
# containerd (/run/containerd/runc, /var/lib/containerd, /opt/containerd stay untouched; containerd
# 1.6 still puts its shims' sockets in /run/containerd/s: see bench_shim_sockets_*).
# Needs write_cni from test/e2e/lib.sh.

# bench_hako_config DIR BRIDGE SUBNET REGISTRY_PORT: writes DIR/hako.toml (socket DIR/run/hako.sock)
bench_hako_config() {
    local d=$1 bridge=$2 subnet=$3 port=$4 h
    mkdir -p "$d/logs"
    write_cni "$d/cni" "$bridge" "$bridge" "$subnet" "$d/ipam"
    {
        cat <<EOF
socket = "$d/run/hako.sock"
root = "$d/root"
state = "$d/run"
log_level = "${BENCH_HAKO_LOG_LEVEL:-info}"

[runtime]
pod_log_root = "$d/logs"

[network]
cni_conf_dir = "$d/cni"
cni_bin_dirs = ["/usr/lib/cni"]
EOF
        for h in docker.io registry.k8s.io; do cat <<EOF

[image.registries."$h"]
mirrors = ["http://127.0.0.1:$port"]
insecure = true
fallback = false
EOF
        done
        cat <<EOF

[image.registries."127.0.0.1:$port"]
insecure = true
EOF
    } > "$d/hako.toml"
}

# bench_containerd_config DIR BRIDGE SUBNET REGISTRY_PORT: writes DIR/config.toml (socket DIR/containerd.sock)
bench_containerd_config() {
    local d=$1 bridge=$2 subnet=$3 port=$4 h
    mkdir -p "$d/logs"
    write_cni "$d/cni" "$bridge" "$bridge" "$subnet" "$d/ipam"
    for h in docker.io registry.k8s.io "127.0.0.1:$port"; do
        mkdir -p "$d/certs.d/$h"
        cat > "$d/certs.d/$h/hosts.toml" <<EOF
server = "http://127.0.0.1:$port"
[host."http://127.0.0.1:$port"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
EOF
    done
    cat > "$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
  enable_selinux = false
  restrict_oom_score_adj = true    # no CAP_SYS_RESOURCE on these hosts (see shared notes)
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$d/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$d/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$d/certs.d"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOF
}

# bench_clean_instance DIR BRIDGE: the safety net after the driver (which removes its pods itself):
# kills whatever still runs from DIR (containers through their OCI runtime roots, then daemons,
# conmons and shims), unmounts what is mounted below DIR and deletes the bridge
bench_clean_instance() {
    local d=$1 bridge=$2 r id p m
    [ -d "$d" ] || return 0
    for r in "$d"/run/runc "$d"/runc/k8s.io; do
        [ -d "$r" ] || continue
        for id in $(runc --root "$r" list -q 2>/dev/null); do
            runc --root "$r" kill "$id" KILL >/dev/null 2>&1
            runc --root "$r" delete -f "$id" >/dev/null 2>&1
        done
    done
    if [ -d "$d/run/runsc" ]; then
        for id in $(runsc --root "$d/run/runsc" list -quiet 2>/dev/null); do
            runsc --root "$d/run/runsc" delete -force "$id" >/dev/null 2>&1
        done
    fi
    for p in $(pgrep -f -- "$d/" 2>/dev/null); do
        [ "$p" = $$ ] || kill -KILL "$p" 2>/dev/null
    done
    sleep 0.2
    for m in $(awk -v a="$d/" '{ if (index($5, a) == 1) print $5 }' /proc/self/mountinfo | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done
    ip link del "$bridge" 2>/dev/null
    return 0
}

# bench_clean_cgroups TOP: removes the (empty, once the containers are gone) cgroup tree /TOP in every hierarchy
bench_clean_cgroups() {
    local top=$1 h
    for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
        [ -d "$h$top" ] && find "$h$top" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    return 0
}

# containerd 1.6 shims listen on /run/containerd/s/<sha256 of address, namespace, id>, whatever the
# config says. bench_shim_sockets_before records what is there (and whether the directory was);
# bench_shim_sockets_clean removes the sockets added since that nothing listens on any more, and the
# directories if the run created them.
bench_shim_sockets_before() {
    BENCH_RUN_CONTAINERD_EXISTED=0
    [ -e /run/containerd ] && BENCH_RUN_CONTAINERD_EXISTED=1
    BENCH_SHIM_SOCKETS_BEFORE=$(ls /run/containerd/s 2>/dev/null | tr '\n' ' ')
}
bench_shim_sockets_clean() {
    local p listening
    [ -d /run/containerd/s ] || return 0
    listening=$(ss -xlH 2>/dev/null | awk '{print $5}')
    for p in /run/containerd/s/*; do
        [ -e "$p" ] || continue
        case " $BENCH_SHIM_SOCKETS_BEFORE " in *" $(basename "$p") "*) continue ;; esac
        grep -qxF "$p" <<<"$listening" || rm -f "$p"
    done
    if [ "$BENCH_RUN_CONTAINERD_EXISTED" = 0 ]; then
        rmdir /run/containerd/s 2>/dev/null; rmdir /run/containerd 2>/dev/null
    fi
    return 0
}
