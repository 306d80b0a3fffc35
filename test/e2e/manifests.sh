# test/e2e/manifests.sh: the suite's Kubernetes objects (sourced by test/e2e/run).
# Every pod sets nodeName (there is no scheduler), dnsPolicy Default (there is no cluster DNS) and a
# short grace period (busybox sleep as PID 1 ignores SIGTERM).
# Needs REG_PORT_open, REG_PORT_auth, E2E_TMP.

# objects: RuntimeClasses, ConfigMap, Secret (and the registry secret, made with kubectl)
objects_yaml() {
cat <<EOF
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: runc}
handler: runc
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: gvisor}
handler: runsc
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: nosuch}
handler: nosuch-handler
---
apiVersion: v1
kind: ConfigMap
metadata: {name: e2e-config}
data:
  greeting: hello-from-configmap
  app.conf: |
    mode=e2e
---
apiVersion: v1
kind: Secret
metadata: {name: e2e-secret}
type: Opaque
stringData:
  password: s3cret-value
EOF
}

# pod NAME [EXTRA-SPEC-YAML]: the header of a pod (spec keys follow, indented by 2)
pod_head() {
cat <<EOF
---
apiVersion: v1
kind: Pod
metadata:
  name: $1
  labels: {app: $1, suite: hako-e2e}
  annotations: {e2e/note: "$1 pod"}
spec:
  nodeName: test-node
  dnsPolicy: Default
  enableServiceLinks: false
  terminationGracePeriodSeconds: 2
EOF
}

BB=busybox:1.36
SLEEP='[sh, -c, "trap \"exit 0\" TERM; sleep 3600 & wait"]'

batch_yaml() {
local tools=127.0.0.1:$REG_PORT_open/e2e/tools:1 priv=127.0.0.1:$REG_PORT_auth/private/busybox
pod_head basic
cat <<EOF
  containers:
  - name: c
    image: $BB
    command: [sh, -c, 'echo hello-from-basic; i=0; while true; do echo tick \$i; i=\$((i+1)); sleep 1; done']
EOF
pod_head restarter
cat <<EOF
  restartPolicy: Always
  containers:
  - name: c
    image: $BB
    # fails three times (exit 3), then keeps running: restartCount 3 with back-off in between, and a
    # stable previous container for logs --previous
    command: [sh, -c, 'n=\$(cat /data/n 2>/dev/null || echo 0); n=\$((n+1)); echo \$n > /data/n; echo "restart-marker run \$n"; if [ \$n -le 3 ]; then sleep 1; echo "going-down \$n" >&2; exit 3; fi; trap "exit 0" TERM; sleep 3600 & wait']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - {name: data, emptyDir: {}}
EOF
pod_head probe-ok
cat <<EOF
  containers:
  - name: web
    image: $BB
    command: [httpd, -f, -p, "8080", -h, /www]
    livenessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 5}
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2, timeoutSeconds: 5}
  - name: web2
    image: $BB
    command: [httpd, -f, -p, "8081", -h, /www]
    livenessProbe: {tcpSocket: {port: 8081}, periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 5}
    readinessProbe: {httpGet: {path: /index.html, port: 8081}, periodSeconds: 2, timeoutSeconds: 5}
  - name: exec
    image: $BB
    command: [sh, -c, 'touch /tmp/ok; trap "exit 0" TERM; sleep 3600 & wait']
    livenessProbe: {exec: {command: [cat, /tmp/ok]}, periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 5}
    readinessProbe: {exec: {command: [cat, /tmp/ok]}, periodSeconds: 2, timeoutSeconds: 5}
EOF
# two pods, not one: the kubelet lets 25 events per pod through and drops the rest (its event
# spam filter); six containers' start, probe and restart events together went past that, and the
# Killing event the check looks for was sometimes the one dropped
pod_head probe-live
# live-*: the liveness probe fails in the first run (nothing there), so the kubelet restarts the
# container; the second run (it finds its marker in the emptyDir) passes, so the pod settles
cat <<EOF
  containers:
  - name: live-exec
    image: $BB
    command: [sh, -c, '[ -e /data/exec-1 ] && touch /data/exec-2; touch /data/exec-1; trap "exit 0" TERM; sleep 3600 & wait']
    livenessProbe: {exec: {command: [test, -e, /data/exec-2]}, initialDelaySeconds: 1, periodSeconds: 2, failureThreshold: 1, timeoutSeconds: 5}
    volumeMounts: [{name: data, mountPath: /data}]
  - name: live-http
    image: $BB
    command: [sh, -c, 'if [ -e /data/http-1 ]; then exec httpd -f -p 9090 -h /www; fi; touch /data/http-1; trap "exit 0" TERM; sleep 3600 & wait']
    livenessProbe: {httpGet: {path: /index.html, port: 9090}, initialDelaySeconds: 1, periodSeconds: 2, failureThreshold: 1, timeoutSeconds: 5}
    volumeMounts: [{name: data, mountPath: /data}]
  - name: live-tcp
    image: $BB
    command: [sh, -c, 'if [ -e /data/tcp-1 ]; then exec httpd -f -p 9091 -h /www; fi; touch /data/tcp-1; trap "exit 0" TERM; sleep 3600 & wait']
    livenessProbe: {tcpSocket: {port: 9091}, initialDelaySeconds: 1, periodSeconds: 2, failureThreshold: 1, timeoutSeconds: 5}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - {name: data, emptyDir: {}}
EOF
pod_head probe-ready
cat <<EOF
  containers:
  - {name: ready-exec, image: $BB, command: $SLEEP,
     readinessProbe: {exec: {command: [test, -e, /nonexistent]}, periodSeconds: 2}}
  - {name: ready-http, image: $BB, command: $SLEEP,
     readinessProbe: {httpGet: {path: /, port: 9092}, periodSeconds: 2}}
  - {name: ready-tcp, image: $BB, command: $SLEEP,
     readinessProbe: {tcpSocket: {port: 9093}, periodSeconds: 2}}
EOF
pod_head init
cat <<EOF
  initContainers:
  - {name: init1, image: $BB, command: [sh, -c, 'echo init1 > /work/order'], volumeMounts: [{name: work, mountPath: /work}]}
  - {name: init2, image: $BB, command: [sh, -c, 'test -s /work/order && echo init2 >> /work/order'], volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - {name: main, image: $BB, command: $SLEEP, volumeMounts: [{name: work, mountPath: /work}]}
  volumes:
  - {name: work, emptyDir: {}}
EOF
pod_head volumes
cat <<EOF
  containers:
  - name: c1
    image: $BB
    command: [sh, -c, 'echo from-c1 > /cache-disk/f; echo mem-c1 > /cache-mem/f; echo written-by-pod > /host/out.txt; trap "exit 0" TERM; sleep 3600 & wait']
    resources: {limits: {memory: 48Mi}}
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: e2e-config, key: greeting}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: e2e-secret, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: MEM_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.memory}}}
    volumeMounts:
    - {name: disk, mountPath: /cache-disk}
    - {name: mem, mountPath: /cache-mem}
    - {name: cfg, mountPath: /cfg}
    - {name: sec, mountPath: /secret}
    - {name: podinfo, mountPath: /podinfo}
    - {name: host, mountPath: /host}
  - name: c2
    image: $BB
    command: $SLEEP
    volumeMounts:
    - {name: disk, mountPath: /cache-disk}
    - {name: mem, mountPath: /cache-mem}
  volumes:
  - {name: disk, emptyDir: {}}
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 16Mi}}
  - {name: cfg, configMap: {name: e2e-config}}
  - {name: sec, secret: {secretName: e2e-secret}}
  - name: podinfo
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
  - {name: host, hostPath: {path: $E2E_TMP/hostpath, type: Directory}}
EOF
pod_head security
cat <<EOF
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: sec
    image: $BB
    command: $SLEEP
    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  - name: caps
    image: $BB
    command: $SLEEP
    securityContext: {runAsUser: 0, runAsGroup: 0, capabilities: {drop: [ALL], add: [NET_ADMIN, SYS_TIME]}}
  - name: priv
    image: $BB
    command: $SLEEP
    securityContext: {runAsUser: 0, runAsGroup: 0, privileged: true}
  volumes:
  - {name: scratch, emptyDir: {}}
EOF
pod_head limits
cat <<EOF
  containers:
  - name: c
    image: $BB
    command: $SLEEP
    resources: {limits: {memory: 64Mi, cpu: 500m}, requests: {memory: 32Mi, cpu: 250m}}
EOF
pod_head oom
cat <<EOF
  restartPolicy: Never
  containers:
  - name: c
    image: $BB
    command: [sh, -c, 'echo allocating; exec dd if=/dev/zero of=/dev/null bs=96M count=4']
    resources: {limits: {memory: 32Mi}}
EOF
pod_head shareproc
cat <<EOF
  shareProcessNamespace: true
  containers:
  - {name: c1, image: $BB, command: [sleep, "3601"]}
  - {name: c2, image: $BB, command: $SLEEP}
EOF
pod_head hostns
cat <<EOF
  hostNetwork: true
  hostPID: true
  hostIPC: true
  containers:
  - {name: c, image: $tools, command: $SLEEP}
EOF
pod_head rc-runc
cat <<EOF
  runtimeClassName: runc
  containers:
  - {name: c, image: $BB, command: $SLEEP}
EOF
pod_head rc-runsc
cat <<EOF
  runtimeClassName: gvisor
  containers:
  - {name: c, image: $BB, command: $SLEEP}
EOF
pod_head rc-missing
cat <<EOF
  runtimeClassName: nosuch
  containers:
  - {name: c, image: $BB, command: $SLEEP}
EOF
pod_head pull-private
cat <<EOF
  imagePullSecrets: [{name: regcred}]
  containers:
  - {name: c, image: $priv:1, command: $SLEEP}
EOF
pod_head pull-private-nosecret
cat <<EOF
  containers:
  - {name: c, image: $priv:2, command: $SLEEP}
EOF
pod_head missing-image
cat <<EOF
  containers:
  - {name: c, image: docker.io/library/nosuchimage:1, command: $SLEEP}
EOF
pod_head attach
cat <<EOF
  containers:
  - name: c
    image: $BB
    stdin: true
    command: [sh, -c, 'echo attach-ready; while read l; do echo "got:\$l"; done; echo stdin-closed; sleep 3600']
EOF
}
