# test/e2e/lib.sh: shared by test/e2e/run and bench/kube-pods (sourced, not executed).
# Starts and stops what a one-node cluster test needs besides the cluster itself: docker-registry
# processes on 127.0.0.1 filled with images built here, and the CRI runtime under test (a Hako daemon
# or containerd 1.6), each with its own socket, root, state and CNI bridge.
# Callers set E2E_HOME (the repository) and E2E_TMP (a scratch directory) first.

E2E_NODE=test-node
# the k8s test kit: cluster-up, cluster-down and the binaries (../shared/k8s next to the checkout)
e2e_find_k8s() {
    local d
    for d in "${HAKO_K8S_DIR:-}" "$E2E_HOME/../shared/k8s" "$E2E_HOME/../../shared/k8s" /work/shared/k8s; do
        [ -n "$d" ] && [ -x "$d/cluster-up" ] && [ -x "$d/cluster-down" ] && { K8S_DIR=$(cd "$d" && pwd); return 0; }
    done
    return 1
}

# e2e_bins: kubectl, crictl, kubelet, kube-apiserver unpacked as cluster-up does (it would do it later)
e2e_bins() {
    local x n b=/var/lib/k8s-test/bin
    mkdir -p "$b"
    for x in "$K8S_DIR"/bin/*.xz; do
        n=$(basename "$x" .xz)
        if [ ! -x "$b/$n" ] || [ "$x" -nt "$b/$n" ]; then
            xz -dc "$x" > "$b/$n.tmp" && chmod 755 "$b/$n.tmp" && mv "$b/$n.tmp" "$b/$n" || return 1
        fi
    done
}

e2e_log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

KUBECONFIG_E2E=/var/lib/k8s-test/admin.kubeconfig
KUBECTL=/var/lib/k8s-test/bin/kubectl
CRICTL=/var/lib/k8s-test/bin/crictl
# kc ARGS: kubectl against the test cluster, bounded
kc() { timeout "${KC_TIMEOUT:-60}" "$KUBECTL" --kubeconfig "$KUBECONFIG_E2E" --request-timeout=30s "$@"; }
# cri ARGS: crictl against the runtime under test (never the kubelet's business: only reads, pulls, and
# the clean-up after cluster-down)
cri() { timeout "${CRI_TIMEOUT:-60}" "$CRICTL" --runtime-endpoint "unix://$RT_SOCK" --image-endpoint "unix://$RT_SOCK" --timeout 30s "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.5 s until it succeeds; 1 on timeout
wait_for() {
    local t=$1 what=$2; shift 2
    local end=$((SECONDS + t))
    while (( SECONDS < end )); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
    "$@" >/dev/null 2>&1 && return 0
    E2E_WAIT_FAILED="$what (not within ${t}s)"
    return 1
}

# ------------------------------------------------------------------ registries
# start_registry NAME [htpasswd-user password]: docker-registry on a free 127.0.0.1 port; sets REG_PORT_<NAME>
start_registry() {
    local name=$1 user=${2:-} pass=${3:-} dir=$E2E_TMP/registry-$1 port auth=""
    mkdir -p "$dir/data"
    port=$(free_port)
    if [ -n "$user" ]; then
        htpasswd -Bbn "$user" "$pass" > "$dir/htpasswd" 2>/dev/null
        auth="auth:
  htpasswd:
    realm: e2e-$name
    path: $dir/htpasswd"
    fi
    cat > "$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
EOF
    setsid docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 < /dev/null &
    echo $! > "$dir/pid"
    printf -v "REG_PORT_$name" '%s' "$port"
    local code
    for _ in $(seq 1 100); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' "http://127.0.0.1:$port/v2/" 2>/dev/null)
        case "$code" in 200|401) return 0 ;; esac
        sleep 0.1
    done
    e2e_log "registry $name did not start:"; cat "$dir/registry.log" >&2; return 1
}

stop_registries() {
    local f
    for f in "$E2E_TMP"/registry-*/pid; do
        [ -s "$f" ] || continue
        kill "$(cat "$f")" 2>/dev/null; rm -f "$f"
    done
}

# ------------------------------------------------------------------ runtimes
# write_cni CONFDIR NAME BRIDGE SUBNET IPAMDIR
write_cni() {
    mkdir -p "$1" "$5"
    cat > "$1/10-$2.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$2",
  "plugins": [
    {"type": "bridge", "bridge": "$3", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$4"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$5"}},
    {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}
  ]
}
EOF
}

# start_runtime hako|containerd: a fresh daemon; sets RT_SOCK, RT_PID, RT_LOG, RT_ROOT, RT_STATE, RT_IPAM
start_runtime() {
    local rt=$1 d=$E2E_TMP/$1
    mkdir -p "$d"
    RT_LOG=$d/daemon.log
    RT_IPAM=$d/ipam
    RT_STARTED=1   # clean_runtime may now remove this runtime's bridge
    export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
    export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
    case "$rt" in
    hako)
        RT_SOCK=$d/run/hako.sock RT_ROOT=$d/root RT_STATE=$d/run RT_METRICS_PORT=$(free_port)
        write_cni "$d/cni" hako-e2e hakoe2e0 10.86.0.0/16 "$RT_IPAM"
        cat > "$d/hako.toml" <<EOF
socket = "$RT_SOCK"
root = "$RT_ROOT"
state = "$RT_STATE"
log_level = "${E2E_HAKO_LOG_LEVEL:-info}"

[image.registries."docker.io"]
mirrors = ["http://127.0.0.1:$REG_PORT_open"]
insecure = true
fallback = false

[image.registries."registry.k8s.io"]
mirrors = ["http://127.0.0.1:$REG_PORT_open"]
insecure = true
fallback = false

[image.registries."127.0.0.1:$REG_PORT_open"]
insecure = true

[image.registries."127.0.0.1:$REG_PORT_auth"]
insecure = true

[network]
cni_conf_dir = "$d/cni"

[metrics]
address = "127.0.0.1:$RT_METRICS_PORT"
EOF
        ;;
    containerd)
        RT_SOCK=$d/containerd.sock RT_ROOT=$d/root RT_STATE=$d/state
        write_cni "$d/cni" ctr-e2e ctre2e0 10.87.0.0/16 "$RT_IPAM"
        local h
        for h in docker.io registry.k8s.io "127.0.0.1:$REG_PORT_open" "127.0.0.1:$REG_PORT_auth"; do
            local port=$REG_PORT_open
            [ "$h" = "127.0.0.1:$REG_PORT_auth" ] && port=$REG_PORT_auth
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
root = "$RT_ROOT"
state = "$RT_STATE"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$RT_SOCK"
[ttrpc]
  address = "$RT_SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
  enable_selinux = false
  restrict_oom_score_adj = true    # this host has no CAP_SYS_RESOURCE (see shared notes)
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$d/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$d/certs.d"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOF
        ;;
    *) e2e_log "unknown runtime $rt"; return 1 ;;
    esac
    start_runtime_process "$rt"
}

# start_runtime_process RT: (re)starts the daemon of an already configured runtime
start_runtime_process() {
    local rt=$1 d=$E2E_TMP/$1
    echo "=== $(date -Is) start" >> "$RT_LOG"
    case "$rt" in
    hako) setsid "$E2E_HOME/bin/hako" daemon --config "$d/hako.toml" >> "$RT_LOG" 2>&1 < /dev/null & ;;
    containerd) setsid containerd --config "$d/config.toml" >> "$RT_LOG" 2>&1 < /dev/null & ;;
    esac
    RT_PID=$!
    echo "$RT_PID" > "$d/pid"
    if ! wait_for 60 "$rt answers on $RT_SOCK" cri version; then
        e2e_log "$rt did not start:"; tail -30 "$RT_LOG" >&2; return 1
    fi
}

# stop_runtime_process [TIMEOUT]: SIGTERM (SIGKILL after TIMEOUT s) the daemon; containers keep running
stop_runtime_process() {
    local t=${1:-20} i
    [ -n "${RT_PID:-}" ] || return 0
    kill -TERM "$RT_PID" 2>/dev/null
    for ((i = 0; i < t * 10; i++)); do kill -0 "$RT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$RT_PID" 2>/dev/null && { e2e_log "runtime pid $RT_PID still alive after ${t}s: SIGKILL"; kill -KILL "$RT_PID" 2>/dev/null; }
    wait "$RT_PID" 2>/dev/null
    RT_PID=""
}

# clean_runtime: after cluster-down: remove whatever pods/containers/images remain, stop the daemon,
# unmount and remove its directories and the bridge
clean_runtime() {
    local rt=$1 d=$E2E_TMP/$1 id
    [ "${RT_STARTED:-0}" = 1 ] || return 0
    if [ -n "${RT_PID:-}" ] && kill -0 "$RT_PID" 2>/dev/null; then
        for id in $(cri pods -q 2>/dev/null); do cri stopp "$id" >/dev/null 2>&1; cri rmp -f "$id" >/dev/null 2>&1; done
    fi
    stop_runtime_process 20
    if [ "$rt" = containerd ] && [ -n "${RT_SOCK:-}" ]; then
        # shims outlive containerd; those of this root only (their -address is our socket)
        local p
        for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $RT_SOCK" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    fi
    local m
    for m in $(awk -v a="$d/" '{ if (index($5, a) == 1) print $5 }' /proc/self/mountinfo | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done
    case "$rt" in hako) ip link del hakoe2e0 2>/dev/null ;; containerd) ip link del ctre2e0 2>/dev/null ;; esac
    return 0
}

# ------------------------------------------------------------------ images
# build_images: the images every test and the benchmark use, in the two registries
E2E_REG_USER=e2e-user
E2E_REG_PASS=e2e-Secret-42
build_images() {
    local o="http://127.0.0.1:$REG_PORT_open" a="http://127.0.0.1:$REG_PORT_auth" mk="$E2E_HOME/test/e2e/mkimage.py"
    python3 "$mk" --registry "$o" --repo library/busybox --tag 1.36 >/dev/null &&
    python3 "$mk" --registry "$o" --repo e2e/tools --tag 1 --label e2e=tools >/dev/null &&
    python3 "$mk" --registry "$o" --repo library/gc-victim --tag 1 --label e2e=gc-victim >/dev/null &&
    python3 "$mk" --registry "$o" --repo library/bench --tag 1 --label e2e=bench >/dev/null &&
    python3 "$mk" --registry "$o" --repo pause --tag 3.6 --kind pause >/dev/null &&
    python3 "$mk" --registry "$a" --user "$E2E_REG_USER" --password "$E2E_REG_PASS" --repo private/busybox --tag 1 --label e2e=private1 >/dev/null &&
    python3 "$mk" --registry "$a" --user "$E2E_REG_USER" --password "$E2E_REG_PASS" --repo private/busybox --tag 2 --label e2e=private2 >/dev/null
}

# ------------------------------------------------------------------ cluster
cluster_up() {
    "$K8S_DIR/cluster-up" "unix://$RT_SOCK" >> "$E2E_TMP/cluster.log" 2>&1 || { tail -30 "$E2E_TMP/cluster.log" >&2; return 1; }
}
cluster_down() {
    "$K8S_DIR/cluster-down" >> "$E2E_TMP/cluster.log" 2>&1
}

# restart_kubelet: stops the kubelet and starts it again with the same command line (and the
# kubelet-config.yaml as it is now); cluster-up would refuse (pods exist) and rewrite the config
restart_kubelet() {
    local pid args=()
    pid=$(cat /run/k8s-test/kubelet.pid 2>/dev/null) || return 1
    [ "$(cat /proc/$pid/comm 2>/dev/null)" = kubelet ] || return 1
    mapfile -d '' -t args < /proc/$pid/cmdline
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "=== $(date -Is) test/e2e: restarting kubelet" >> /var/log/k8s-test/kubelet.log
    (unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy; exec setsid "${args[@]}" >> /var/log/k8s-test/kubelet.log 2>&1 < /dev/null) &
    echo $! > /run/k8s-test/kubelet.pid
    wait_for 60 "kubelet healthz" curl -fsS --noproxy '*' -m 3 http://127.0.0.1:10288/healthz
}

node_ready() { [ "$(kc get node $E2E_NODE -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
