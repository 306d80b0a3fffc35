package dev.hako.oci;

import dev.hako.config.CgroupDriver;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.image.spec.ImageConfig;
import dev.hako.json.Json;
import dev.hako.spec.HostFacts;
import dev.hako.spec.PodContext;
import dev.hako.spec.SpecGenerator;
import dev.hako.spec.SpecInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small rootfs and bundle fixtures for the spec, runtime and monitor tests: Debian's static busybox and an /etc/passwd. */
public final class TestBundles {
    private TestBundles() {}

    public static final Path BUSYBOX = Path.of("/bin/busybox");
    public static final Path RUNC = Path.of("/usr/sbin/runc");
    public static final Path CONMON = Path.of("/usr/bin/conmon");

    /** A rootfs with /bin/busybox and its applet links sh, echo, sleep, cat, true, false, plus etc/passwd and etc/group. */
    public static Path rootfs(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path bb = bin.resolve("busybox");
        try {
            Files.createLink(bb, BUSYBOX);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(BUSYBOX, bb);
        }
        for (String applet : List.of("sh", "echo", "sleep", "cat", "true", "false", "ls", "id")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        for (String d : List.of("proc", "dev", "sys", "tmp")) {
            Files.createDirectories(dir.resolve(d));
        }
        return dir;
    }

    /** A pod with the host's network, IPC and UTS namespaces and its own PID namespace (unless {@code hostPid}). */
    public static PodContext hostPod(String podId, boolean hostPid) {
        return new PodContext(podId, "pod-" + podId, "default", "uid-" + podId, "testhost", null, null, null, null,
                hostPid, null, null, null, null, "", Map.of());
    }

    public static ContainerConfig command(String name, String... cmd) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .addAllCommand(List.of(cmd))
                .build();
    }

    /** An image config with the given {@code config} section (Entrypoint, Cmd, Env, WorkingDir, User). */
    public static ImageConfig image(Map<String, Object> config) {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("architecture", "amd64");
        raw.put("os", "linux");
        raw.put("config", config);
        raw.put("rootfs", Map.of("type", "layers", "diff_ids", List.of()));
        return ImageConfig.parse(Json.write(raw).getBytes(java.nio.charset.StandardCharsets.UTF_8), "test image");
    }

    /** Writes {@code bundle/config.json} for the container and returns the spec. */
    public static Map<String, Object> writeBundle(Path bundle, String id, ContainerConfig config, PodContext pod,
                                                  Path rootfs) throws IOException {
        Files.createDirectories(bundle);
        Map<String, Object> spec = new SpecGenerator(HostFacts.probe()).generate(new SpecInput(id, config, pod, null,
                "busybox:test", rootfs, CgroupDriver.CGROUPFS)).toJson();
        Files.writeString(bundle.resolve("config.json"), Json.write(spec));
        return spec;
    }
}
