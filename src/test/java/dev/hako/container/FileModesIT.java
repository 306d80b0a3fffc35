package dev.hako.container;

import static dev.hako.testing.Modes.permissions;
import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.podConfig;
import static dev.hako.testing.PodFixture.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Host users stay out of what Hako keeps (issue 13, item 1; containerd's CVE-2021-41103): with a pod
 * (with an infra container), a running non-root container and an exec in flight, every path under
 * Hako's root and state that a non-root host user can reach by name — every directory above it
 * traversable by others — is neither world-readable nor group- or world-writable, except the
 * allow-list below. Directories closed to others (0700) end the walk: what lies below them (the
 * container's writable layer, the image's files, the pod's 1777 /dev/shm) is out of reach, however
 * the container or image set its modes. The container still works as a non-root user.
 */
class FileModesIT {
    private static final Set<PosixFilePermission> EXPOSING = Set.of(PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.GROUP_WRITE);

    @Test
    void nothingHakoKeepsIsOpenToOtherUsersAndNonRootContainersStillWork() throws Exception {
        try (DaemonProcess d = PodFixture.daemonWithImages()) {
            Path root = d.root();
            Path state = d.dir().resolve("run");
            // a network of loopback only: the pod goes through CNI ADD (and its cache) without a bridge
            Files.writeString(DaemonProcess.cniConfDir(d.dir()).resolve("10-lo.conflist"), """
                    {"cniVersion": "1.0.0", "name": "hako-modes", "plugins": [{"type": "loopback"}]}
                    """);
            // a shared PID namespace gives the pod an infra container: its bundle and the shared infra root
            PodSandboxConfig.Builder pc = podConfig(d, "modes").toBuilder();
            pc.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(NamespaceMode.POD);
            String pod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pc).build())
                    .getPodSandboxId();
            String id = start(d, pod, container("app", "sleep 1000")
                    .addEnvs(KeyValue.newBuilder().setKey("API_TOKEN").setValue(com.google.protobuf.ByteString.copyFromUtf8("s3cret")))
                    .setStdin(true)
                    .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext
                            .newBuilder().setRunAsUser(Int64Value.newBuilder().setValue(1000)))));

            // uid 1000 inside reaches its root file system, the pod's /etc files and the pod's /dev/shm
            ExecSyncResponse r = exec(d, id, 20, "id -u; cat /etc/hosts /etc/resolv.conf /etc/hostname >/dev/null"
                    + " && echo x > /dev/shm/probe && cat /dev/shm/probe && ls / >/dev/null && echo ok");
            assertThat(r.getExitCode()).as("stderr: %s", r.getStderr().toStringUtf8()).isZero();
            assertThat(r.getStdout().toStringUtf8()).isEqualTo("1000\nx\nok\n");

            // an exec in flight while the trees are walked: its process spec (the environment) is on disk
            CompletableFuture<ExecSyncResponse> slow = CompletableFuture.supplyAsync(() -> exec(d, id, 60, "sleep 4"));
            Path execDir = state.resolve("exec");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!hasEntries(execDir) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(hasEntries(execDir)).as("an exec directory while ExecSync runs").isTrue();

            List<String> exposed = new ArrayList<>();
            exposed.addAll(exposed(root, Map.of()));
            exposed.addAll(exposed(state, Map.of(
                    // the CRI socket: root:root 0660 by design (README), so root's group may talk to Hako
                    "hako.sock", "rw-rw----")));
            assertThat(exposed).as("paths other host users can reach and read or write").isEmpty();

            // exact modes of what holds secrets, or a container's files
            for (String f : List.of("hako.db", "hako.db-wal", "hako.db-shm", "hako.lock")) {
                assertThat(permissions(root.resolve(f))).as(f).isEqualTo("rw-------");
            }
            assertThat(permissions(state.resolve("hako.sock.lock"))).isEqualTo("rw-------");
            assertThat(permissions(state.resolve("containers").resolve(id).resolve("config.json"))).isEqualTo("rw-------");
            for (Path dir : List.of(root.resolve("containers"), root.resolve("containers").resolve(id),
                    root.resolve("snapshots"), state.resolve("containers"), state.resolve("containers").resolve(id),
                    state.resolve("pods"), state.resolve("pods").resolve(pod), state.resolve("exits"),
                    state.resolve("attach"), state.resolve("bundles"), execDir, state.resolve("infra"),
                    state.resolve("cni"))) {
                assertThat(permissions(dir)).as(dir.toString()).isEqualTo("rwx------");
            }
            try (var entries = Files.list(execDir)) {
                for (Path p : entries.toList()) {
                    assertThat(permissions(p)).as(p.toString()).isEqualTo("rwx------");
                }
            }
            assertThat(slow.get(60, TimeUnit.SECONDS).getExitCode()).isZero();
        }
    }

    private static ExecSyncResponse exec(DaemonProcess d, String id, int timeout, String script) {
        return d.runtime().withDeadlineAfter(timeout + 10, TimeUnit.SECONDS).execSync(ExecSyncRequest.newBuilder()
                .setContainerId(id).addAllCmd(List.of("/bin/sh", "-c", script)).setTimeout(timeout).build());
    }

    private static boolean hasEntries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    /**
     * Every path below {@code top} (taken as reachable) that others can reach and that is world-readable
     * or group/world-writable, as "path mode"; {@code allowed} maps relative paths to the exact mode they
     * may have instead. Symlinks are not followed (their own mode means nothing).
     */
    static List<String> exposed(Path top, Map<String, String> allowed) throws IOException {
        List<String> out = new ArrayList<>();
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Set<PosixFilePermission> perms = check(dir);
                // a directory others cannot search hides all below it
                return perms.contains(PosixFilePermission.OTHERS_EXECUTE) ? FileVisitResult.CONTINUE
                        : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isSymbolicLink()) {
                    check(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // gone meanwhile (an exec ending)
            }

            private Set<PosixFilePermission> check(Path p) throws IOException {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                String mode = PosixFilePermissions.toString(perms);
                String rel = top.relativize(p).toString();
                boolean bad = perms.stream().anyMatch(EXPOSING::contains);
                if (bad && !mode.equals(allowed.get(rel))) {
                    out.add(p + " " + mode);
                }
                return perms;
            }
        });
        return out;
    }
}
