package dev.hako.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.ContainerEventResponse;
import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.GetEventsRequest;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.PodSandbox;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code hako events}: follows the daemon's GetContainerEvents stream and prints each event as it
 * comes, a line of text or, with {@code -o json}, one JSON object a line (JSON Lines; {@code -o yaml}:
 * one YAML document each). Ends with Ctrl-C (or an interrupt), or when the daemon ends the stream: then
 * the daemon's status is printed (RESOURCE_EXHAUSTED: this client read too slowly and was dropped) and
 * the exit code is 1.
 */
final class EventsCommand {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final JsonFormat.Printer LINE = JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
            .omittingInsignificantWhitespace();

    /** Which events to print: a pod (ID, or a name), a container ID; null lets every one through. */
    record Filter(String podId, String podName, String containerId) {
        static final Filter ALL = new Filter(null, null, null);

        boolean admits(ContainerEventResponse e) {
            var pod = e.getPodSandboxStatus();
            if (podId != null && !pod.getId().startsWith(podId)) {
                return false;
            }
            if (podName != null && !(pod.getMetadata().getName().equals(podName) || pod.getId().startsWith(podName))) {
                return false;
            }
            return containerId == null || e.getContainerId().startsWith(containerId);
        }
    }

    private final Output format;
    private final Filter filter;
    /** Container names by ID: a DELETED event no longer carries the container's status. */
    private final Map<String, String> names = new HashMap<>();

    EventsCommand(Output format, Filter filter) {
        this.format = format;
        this.filter = filter;
    }

    /**
     * The filter for {@code --pod}/{@code --container} as given: an ID prefix of an existing pod or
     * container resolves to its full ID (an ambiguous one is refused); anything else is kept as given,
     * for pods and containers still to come (a pod by name or ID prefix, a container by ID prefix).
     */
    static Filter filter(Supplier<List<String>> pods, Supplier<List<String>> containers, String pod, String container) {
        String podId = null;
        String podName = null;
        if (pod != null) {
            var found = Ids.find("pod", pod, pods.get());
            if (found.isPresent()) {
                podId = found.get();
            } else {
                podName = pod;
            }
        }
        String containerId = container == null ? null
                : Ids.find("container", container, containers.get()).orElse(container);
        return new Filter(podId, podName, containerId);
    }

    /** Follows the stream until it ends; false when the daemon ended it (the reason printed to {@code err}). */
    boolean follow(CriClient client, PrintStream out, PrintStream err) {
        remember(client);
        if (format == Output.TABLE) {
            out.println(header());
            out.flush();
        }
        Iterator<ContainerEventResponse> events =
                client.following().getContainerEvents(GetEventsRequest.getDefaultInstance());
        try {
            while (events.hasNext()) {
                ContainerEventResponse e = events.next();
                String line = render(e);
                if (line != null) {
                    out.print(line);
                    out.flush();
                }
            }
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.CANCELLED && Thread.currentThread().isInterrupted()) {
                return true; // interrupted: the user's own end
            }
            err.println("hako: the daemon ended the event stream: " + e.getStatus().getCode()
                    + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()));
            return false;
        }
        err.println("hako: the daemon ended the event stream");
        return false;
    }

    /** The names of the containers and pods there are now, for the DELETED events to come. */
    private void remember(CriClient client) {
        for (Container c : client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
            names.put(c.getId(), c.getMetadata().getName());
        }
        for (PodSandbox p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            names.put(p.getId(), p.getMetadata().getName());
        }
    }

    /** The event as this command prints it (ending with a newline), or null when the filter drops it. */
    String render(ContainerEventResponse e) {
        for (ContainerStatus s : e.getContainersStatusesList()) {
            names.put(s.getId(), s.getMetadata().getName());
        }
        if (!filter.admits(e)) {
            return null;
        }
        return switch (format) {
            case JSON -> json(e) + "\n";
            case YAML -> "---\n" + Output.yaml(json(e));
            case TABLE -> line(e, names.getOrDefault(e.getContainerId(), "")) + "\n";
        };
    }

    private static String json(ContainerEventResponse e) {
        try {
            return LINE.print(e);
        } catch (InvalidProtocolBufferException x) {
            throw new IllegalStateException("cannot print an event as JSON", x);
        }
    }

    /**
     * {@code TIME EVENT ID KIND NAME POD/NAMESPACE}: the time in UTC, the event without its
     * {@code CONTAINER_}/{@code _EVENT}, the ID's first 13 characters (as {@code ps} prints it), and
     * {@code sandbox} for the pod's own events (the container ID is the pod's), else {@code container}.
     */
    static String line(ContainerEventResponse e, String knownName) {
        var pod = e.getPodSandboxStatus();
        boolean sandbox = !pod.getId().isEmpty() && e.getContainerId().equals(pod.getId());
        String name = sandbox ? pod.getMetadata().getName() : e.getContainersStatusesList().stream()
                .filter(s -> s.getId().equals(e.getContainerId())).map(s -> s.getMetadata().getName())
                .findFirst().orElse(knownName.isEmpty() ? "-" : knownName);
        String podName = pod.getMetadata().getName().isEmpty() ? "-"
                : pod.getMetadata().getName() + "/" + pod.getMetadata().getNamespace();
        return String.format("%s  %-7s  %-13s  %-9s  %-20s  %s", time(e.getCreatedAt()), type(e),
                shortId(e.getContainerId()), sandbox ? "sandbox" : "container", name, podName);
    }

    static String type(ContainerEventResponse e) {
        return switch (e.getContainerEventType()) {
            case CONTAINER_CREATED_EVENT -> "CREATED";
            case CONTAINER_STARTED_EVENT -> "STARTED";
            case CONTAINER_STOPPED_EVENT -> "STOPPED";
            case CONTAINER_DELETED_EVENT -> "DELETED";
            case UNRECOGNIZED -> "UNKNOWN";
        };
    }

    static String time(long epochNanos) {
        return TIME.format(Instant.ofEpochSecond(0, epochNanos));
    }

    static String shortId(String id) {
        return id.length() > 13 ? id.substring(0, 13) : id;
    }

    /** The header line of the text output. */
    static String header() {
        return String.format("%-27s  %-7s  %-13s  %-9s  %-20s  %s", "TIME", "EVENT", "ID", "KIND", "NAME", "POD");
    }

    static List<Output> formats() {
        return List.of(Output.TABLE, Output.JSON, Output.YAML);
    }
}
