package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.CreateContainerResponse;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Concurrent CreateContainer calls with one name in one pod: one container, every other call ALREADY_EXISTS naming it. */
class DuplicateNameIT {

    @Test
    void concurrentCreatesOfOneNameMakeOneContainer() throws Exception {
        try (DaemonProcess d = PodFixture.daemonWithImages()) {
            String pod = PodFixture.runPod(d, "dup");
            for (int round = 0; round < 3; round++) {
                String name = "same-" + round;
                RuntimeServiceGrpc.RuntimeServiceFutureStub async = RuntimeServiceGrpc.newFutureStub(d.channel());
                List<ListenableFuture<CreateContainerResponse>> calls = new ArrayList<>();
                CreateContainerRequest request = CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                        .setConfig(PodFixture.container(name, "true")).build();
                for (int i = 0; i < 8; i++) {
                    calls.add(async.withDeadlineAfter(60, TimeUnit.SECONDS).createContainer(request));
                }
                List<String> created = new ArrayList<>();
                List<String> refused = new ArrayList<>();
                for (ListenableFuture<CreateContainerResponse> call : calls) {
                    try {
                        created.add(call.get().getContainerId());
                    } catch (ExecutionException e) {
                        Status s = ((StatusRuntimeException) e.getCause()).getStatus();
                        assertThat(s.getCode()).as(s.toString()).isEqualTo(Status.Code.ALREADY_EXISTS);
                        refused.add(s.getDescription());
                    }
                }
                assertThat(created).hasSize(1);
                assertThat(refused).hasSize(7).allMatch(m -> m.contains(created.getFirst()) && m.contains(name));
                assertThat(d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                        .filteredOn(c -> c.getMetadata().getName().equals(name)).hasSize(1);
            }
        }
    }
}
