package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.CreateContainerResponse;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.VersionRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import dev.hako.testing.image.TestImage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * CreateContainer calls whose runtime never finishes must not hold up the rest of the daemon: a call
 * waiting for its runtime parks instead of pinning a carrier thread, so with more hung creates than
 * cores {@code Version} still answers at once, and each hung create fails cleanly at the handler's
 * {@code create_timeout}, leaving no process behind.
 */
class HangingCreateIT {
    private static final Path RUNC = Path.of("/usr/sbin/runc");

    @Test
    void versionAnswersWhileMoreCreatesThanCarriersHang() throws Exception {
        Path dir = dev.hako.testing.TempDirs.create("hako-hang");
        Path marks = Files.createDirectories(dir.resolve("stalled"));
        Path wrapper = dir.resolve("stalling-runtime");
        // a real runtime whose create never finishes (as runc's does when its error does not fit conmon's
        // pipe): every other subcommand, --version and features included, is runc's own
        Files.writeString(wrapper, """
                #!/bin/sh
                for a in "$@"; do
                  if [ "$a" = create ]; then echo $$ > '%s/'$$; exec sleep 600; fi
                done
                exec '%s' "$@"
                """.formatted(marks, RUNC));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        int creates = Math.clamp(2L * Runtime.getRuntime().availableProcessors(), 4, 16);
        try (DaemonProcess d = DaemonProcess.withConfig(dir, """
                [runtime.handlers.runc]
                path = "%s"
                [runtime.handlers.stall]
                path = "%s"
                create_timeout = "30s"
                """.formatted(RUNC, wrapper)).start()) {
            try {
                hangAndCheck(d, marks, creates);
            } finally {
                for (long pid : stalled(marks)) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    private static void hangAndCheck(DaemonProcess d, Path marks, int creates) throws Exception {
        PodFixture.importImage(d, TestImage.builder().layer(TestImage.busyboxLayer()).build(), PodFixture.IMAGE);
        String pod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(PodFixture.podConfig(d, "hang")).setRuntimeHandler("stall").build()).getPodSandboxId();

        RuntimeServiceGrpc.RuntimeServiceFutureStub async = RuntimeServiceGrpc.newFutureStub(d.channel());
        List<ListenableFuture<CreateContainerResponse>> calls = new ArrayList<>();
        for (int i = 0; i < creates; i++) {
            calls.add(async.withDeadlineAfter(120, TimeUnit.SECONDS).createContainer(CreateContainerRequest.newBuilder()
                    .setPodSandboxId(pod).setConfig(PodFixture.container("hung-" + i, "true")).build()));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (stalled(marks).size() < creates) {
            assertThat(System.nanoTime()).as("every create reached the runtime; log:\n" + d.log()).isLessThan(until);
            Thread.sleep(50);
        }

        long[] millis = new long[9];
        for (int i = 0; i < millis.length; i++) {
            long t0 = System.nanoTime();
            d.runtime().withDeadlineAfter(5, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
            millis[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        }
        Arrays.sort(millis);
        assertThat(millis[millis.length / 2]).as("median Version latency (ms) with %d creates hanging: %s",
                creates, Arrays.toString(millis)).isLessThan(100);
        assertThat(calls).allMatch(f -> !f.isDone());

        for (ListenableFuture<CreateContainerResponse> call : calls) {
            try {
                call.get(90, TimeUnit.SECONDS);
                throw new AssertionError("a create whose runtime never finished succeeded");
            } catch (ExecutionException e) {
                Status s = ((StatusRuntimeException) e.getCause()).getStatus();
                assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(s.getDescription()).contains("was not created within 30s");
            }
        }
        assertThat(d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .isEmpty();
        // the hung runtime went with its monitor (gone, or a zombie until init reaps it)
        assertThat(stalled(marks)).as(() -> "states: " + stalled(marks).stream().map(HangingCreateIT::stat).toList())
                .allMatch(pid -> stat(pid).endsWith(" gone") || stat(pid).contains(") Z "));
    }

    private static List<Long> stalled(Path marks) {
        try (Stream<Path> s = Files.list(marks)) {
            return s.map(p -> Long.parseLong(p.getFileName().toString())).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String stat(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (java.io.IOException e) {
            return pid + " gone";
        }
    }
}
