package dev.hako.pod;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.error.HakoException;
import dev.hako.spec.PodContext;
import dev.hako.store.PodTable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pods as the rest of the daemon sees them, read from their rows: finding one by ID or unique prefix,
 * and turning a row into a {@link Pod}, whose state also reflects an infra container that has exited.
 */
final class PodRecords {
    private final PodTable table;
    private final InfraContainer infra;

    PodRecords(PodTable table, InfraContainer infra) {
        this.table = table;
        this.infra = infra;
    }

    /**
     * The pod with this ID or unique ID prefix.
     *
     * @throws HakoException NOT_FOUND when none matches, INVALID_ARGUMENT when the prefix is empty or ambiguous
     */
    Pod get(String idOrUniquePrefix) {
        String id = resolve(idOrUniquePrefix)
                .orElseThrow(() -> HakoException.notFound("pod sandbox " + idOrUniquePrefix + " not found"));
        return table.byId(id).map(this::toPod)
                .orElseThrow(() -> HakoException.notFound("pod sandbox " + idOrUniquePrefix + " not found"));
    }

    /** Every pod, oldest first. */
    List<Pod> list() {
        return table.all().stream().map(this::toPod).toList();
    }

    /**
     * The full ID an ID or unique prefix names, empty when none matches.
     *
     * @throws HakoException INVALID_ARGUMENT when the prefix is empty or ambiguous
     */
    Optional<String> resolve(String idOrPrefix) {
        if (idOrPrefix == null || idOrPrefix.isEmpty()) {
            throw HakoException.invalidArgument("pod_sandbox_id", "must not be empty");
        }
        if (table.byId(idOrPrefix).isPresent()) {
            return Optional.of(idOrPrefix);
        }
        List<String> ids = table.idsWithPrefix(idOrPrefix, 3);
        if (ids.size() > 1) {
            throw HakoException.invalidArgument("pod_sandbox_id", "\"" + idOrPrefix
                    + "\" is an ambiguous ID prefix: it matches " + String.join(", ", ids.subList(0, 2))
                    + (ids.size() > 2 ? " and more" : ""));
        }
        return ids.stream().findFirst();
    }

    /** @throws HakoException DATA_LOSS when the row cannot be read */
    Pod toPod(PodTable.Row row) {
        PodSandboxConfig config;
        PodDetails d;
        Pod.State state;
        try {
            config = PodSandboxConfig.parseFrom(row.config());
            d = PodDetails.parse(row.details());
            state = Pod.State.valueOf(row.state());
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new HakoException(HakoException.Kind.DATA_LOSS, "the stored record of pod sandbox " + row.id()
                    + " is unreadable: " + e.getMessage(), e);
        }
        if (state == Pod.State.READY && d.infraPid() > 0 && infra.exited(row.id(), d.dir())) {
            // the pod's anchor is gone (gVisor's sandbox died with it): not ready, so the kubelet makes a new one
            state = Pod.State.NOTREADY;
        }
        return new Pod(row.id(), config, row.runtimeHandler(), state, row.createdAt(),
                d.dir(), context(row.id(), config, d), d.ips(), d.infraPid());
    }

    /** What a container's spec needs of its pod: namespaces, files, cgroup parent, sysctls. */
    static PodContext context(String id, PodSandboxConfig config, PodDetails d) {
        var meta = config.getMetadata();
        return new PodContext(id, meta.getName(), meta.getNamespace(), meta.getUid(),
                d.hostname(), d.netns(), d.ipcns(), d.utsns(), d.pidns(), d.hostPid(), d.shm(),
                d.dir().resolve(PodFiles.HOSTS), d.dir().resolve(PodFiles.RESOLV_CONF),
                d.dir().resolve(PodFiles.HOSTNAME), config.getLinux().getCgroupParent(),
                Map.copyOf(config.getLinux().getSysctlsMap()));
    }
}
