package dev.hako.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.CgroupDriver;
import dev.hako.spec.SpecGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** linux.cgroupsPath → cgroup directories, for both drivers on fake v1 and v2 trees. */
class CgroupPathsTest {
    @TempDir
    Path root;

    private void v1() throws Exception {
        Files.createDirectories(root.resolve("cpu,cpuacct"));
        Files.createDirectories(root.resolve("memory"));
    }

    private void v2() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");
    }

    @Test
    void cgroupfsOnV1() throws Exception {
        v1();
        String path = SpecGenerator.cgroupsPath(CgroupDriver.CGROUPFS, "", "abc");
        CgroupPaths.Dirs d = CgroupPaths.resolve(root, path);
        assertThat(d.v2()).isFalse();
        assertThat(d.cpu()).isEqualTo(root.resolve("cpu,cpuacct/hako/hako-abc"));
        assertThat(d.memory()).isEqualTo(root.resolve("memory/hako/hako-abc"));
        d = CgroupPaths.resolve(root, SpecGenerator.cgroupsPath(CgroupDriver.CGROUPFS, "/kubepods/burstable/pod1", "abc"));
        assertThat(d.cpu()).isEqualTo(root.resolve("cpu,cpuacct/kubepods/burstable/pod1/hako-abc"));
        assertThat(d.memory()).isEqualTo(root.resolve("memory/kubepods/burstable/pod1/hako-abc"));
    }

    @Test
    void v1WithSeparateCpuacctMount() throws Exception {
        Files.createDirectories(root.resolve("cpuacct"));
        Files.createDirectories(root.resolve("memory"));
        assertThat(CgroupPaths.resolve(root, "/hako/hako-x").cpu()).isEqualTo(root.resolve("cpuacct/hako/hako-x"));
    }

    @Test
    void cgroupfsOnV2() throws Exception {
        v2();
        CgroupPaths.Dirs d = CgroupPaths.resolve(root, SpecGenerator.cgroupsPath(CgroupDriver.CGROUPFS, "kubepods", "abc"));
        assertThat(d.v2()).isTrue();
        assertThat(d.cpu()).isEqualTo(root.resolve("kubepods/hako-abc")).isEqualTo(d.memory());
    }

    @Test
    void systemdOnV1() throws Exception {
        v1();
        String path = SpecGenerator.cgroupsPath(CgroupDriver.SYSTEMD, "kubepods-burstable-pod12.slice", "abc");
        assertThat(path).isEqualTo("kubepods-burstable-pod12.slice:hako:abc");
        CgroupPaths.Dirs d = CgroupPaths.resolve(root, path);
        String rel = "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/hako-abc.scope";
        assertThat(d.cpu()).isEqualTo(root.resolve("cpu,cpuacct/" + rel));
        assertThat(d.memory()).isEqualTo(root.resolve("memory/" + rel));
        assertThat(CgroupPaths.resolve(root, SpecGenerator.cgroupsPath(CgroupDriver.SYSTEMD, "", "abc")).memory())
                .isEqualTo(root.resolve("memory/system.slice/hako-abc.scope"));
    }

    @Test
    void systemdOnV2() throws Exception {
        v2();
        CgroupPaths.Dirs d = CgroupPaths.resolve(root, "kubepods-besteffort.slice:hako:abc");
        assertThat(d.v2()).isTrue();
        assertThat(d.cpu()).isEqualTo(root.resolve("kubepods.slice/kubepods-besteffort.slice/hako-abc.scope"));
        assertThat(CgroupPaths.relative("-.slice:hako:abc")).isEqualTo("hako-abc.scope");
        assertThat(CgroupPaths.relative("system.slice::abc")).isEqualTo("system.slice/abc.scope");
    }

    @Test
    void badSlice() {
        assertThatThrownBy(() -> CgroupPaths.expandSlice("a--b.slice")).isInstanceOf(IllegalArgumentException.class);
    }
}
