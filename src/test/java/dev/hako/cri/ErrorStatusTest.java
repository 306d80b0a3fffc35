package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.error.HakoException;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** What the kubelet (and the operator reading its events) sees of a failure of the node. */
class ErrorStatusTest {
    @Test
    void aFileErrorOfTheNodeSaysWhyNotOnlyWhichFile() {
        NoSuchFileException e = new NoSuchFileException("/run/hako/pods/p1/ns/net");
        var s = ErrorStatus.of("RunPodSandbox",
                HakoException.internal("cannot pin the network namespace: " + e.getMessage(), e)).getStatus();
        assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(s.getDescription()).isEqualTo("cannot pin the network namespace: /run/hako/pods/p1/ns/net "
                + "(/run/hako/pods/p1/ns/net: no such file or directory)");
    }

    @Test
    void aMessageThatAlreadySaysWhyStaysAsItIs() {
        var e = new DirectoryNotEmptyException("/x");
        String m = "cannot delete /x: directory not empty";
        assertThat(ErrorStatus.of("RemovePodSandbox", HakoException.internal(m, e)).getStatus().getDescription())
                .isEqualTo(m);
        // a request's own fault keeps its message exactly
        var bad = new HakoException(HakoException.Kind.INVALID_ARGUMENT, "config.log_path: /x", new IOException("x"));
        assertThat(ErrorStatus.of("CreateContainer", bad).getStatus().getDescription()).isEqualTo("config.log_path: /x");
    }

    @Test
    void anUnexpectedExceptionNamesItsTypeButNotItsPackage() {
        var s = ErrorStatus.of("ListContainers", new IllegalStateException("no row")).getStatus();
        assertThat(s.getDescription()).isEqualTo("ListContainers failed: IllegalStateException: no row");
    }
}
