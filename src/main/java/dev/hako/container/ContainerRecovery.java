package dev.hako.container;

import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.monitor.Conmon;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.monitor.MonitorProcesses;
import dev.hako.oci.OciRuntime;
import dev.hako.store.ContainerRow;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * After a daemon restart: creates a crash cut short are undone, every record is reconciled with its
 * exit file and the runtime, records that cannot be are reported {@code RecoveryFailed}, leftovers of
 * removed containers go, and exits are watched from then on.
 */
final class ContainerRecovery {
    private static final Log LOG = Log.of("container");

    /** How many records were still there, had exited, or could not be reconciled. */
    record Counts(int running, int exited, int broken) {}

    private final ContainerRecords records;
    private final ContainerBundles bundles;
    private final ContainerExits exits;
    private final ContainerRuntimes runtimes;
    private final Conmon conmon;

    ContainerRecovery(ContainerRecords records, ContainerBundles bundles, ContainerExits exits, ContainerRuntimes runtimes) {
        this.records = records;
        this.bundles = bundles;
        this.exits = exits;
        this.runtimes = runtimes;
        this.conmon = runtimes.conmon();
    }

    /** At start-up: reconcile every record with exit files and the runtime; watch for exits from now on. */
    void recover() {
        Counts n = reconcile();
        conmon.watchExits(id -> {
            try {
                records.byId(id).ifPresent(r -> exits.refresh(ContainerRecords.container(r)));
            } catch (RuntimeException e) {
                LOG.warn("cannot record container exit; its exit file stays and is read again on the next status", "container", id,
                        "error", Log.cause(e));
            }
        });
        if (n.running() + n.exited() + n.broken() > 0) {
            LOG.info("recovered containers", "running", n.running(), "not_running", n.exited(), "broken", n.broken());
        }
    }

    /** Everything {@link #recover} does but watching exits. */
    Counts reconcile() {
        int running = 0;
        int exited = 0;
        int broken = 0;
        undoUnfinishedCreates();
        for (ContainerRow r : records.all()) {
            // one record that cannot be reconciled must not keep the daemon from serving the others
            try {
                if (recoverOne(r)) {
                    running++;
                } else {
                    exited++;
                }
            } catch (RuntimeException e) {
                broken++;
                markRecoveryFailed(r, e);
            }
        }
        Set<String> known = new HashSet<>();
        records.all().forEach(r -> known.add(r.id()));
        bundles.removeOrphans(known);
        return new Counts(running, exited, broken);
    }

    /**
     * Creates a crash cut short (intent rows): each is undone whole — its monitor killed, the runtime's
     * container force-deleted, the rootfs unmounted, its directories and the intent removed. A step that
     * fails keeps the intent, so the next start tries again.
     */
    private void undoUnfinishedCreates() {
        for (ContainerRow r : records.creating()) {
            try {
                Map<String, Object> d = Json.parseObject(r.details());
                Path bundle = Path.of((String) d.get("bundle"));
                String handler = (String) d.get("handler");
                int monitors = MonitorProcesses.kill(bundle);
                ContainerRuntime runtime = RemovalRuntimes.of(runtimes, handler, r);
                if (runtime != null) {
                    runtime.delete(r.id(), true);
                }
                ContainerBundles.unmountRootfs(bundle);
                conmon.forget(r.id());
                bundles.delete(r.id(), bundle);
                if (runtime == null) {
                    LOG.warn("the runtime handler of an unfinished container create is no longer configured; its intent stays until "
                            + "the handler is configured again", "container", r.id(), "container_name", r.name(), "pod", r.podId(),
                            "handler", handler);
                    continue;
                }
                records.delete(r.id());
                LOG.info("undid a container create cut short by a crash", "container", r.id(), "container_name", r.name(),
                        "pod", r.podId(), "monitors_killed", monitors);
            } catch (RuntimeException e) {
                LOG.error("cannot undo an unfinished container create; retried at the next start", "container", r.id(),
                        "container_name", r.name(), "pod", r.podId(), "error", Log.cause(e));
            }
        }
    }

    /** Reconciles one record; returns whether the container is still there (created or running). */
    private boolean recoverOne(ContainerRow r) {
        Container c = exits.refresh(ContainerRecords.container(r));
        if (c.state() != Container.State.RUNNING && c.state() != Container.State.CREATED) {
            return false;
        }
        Optional<OciRuntime.State> s = runtimes.runtime(c.handler()).state(c.id());
        if (s.isPresent() && !s.get().status().equals("stopped")) {
            return true;
        }
        // the runtime forgot it (a reboot) or it stopped without an exit file: record what we know
        c = exits.refresh(c);
        if (c.state() != Container.State.EXITED) {
            records.save(c.exited(255, Instant.now(), "Unknown", "the container was gone when Hako restarted"));
        }
        return false;
    }

    /**
     * A record recovery could not reconcile (its handler is no longer configured, the runtime's state
     * is unreadable): reported EXITED with reason {@code RecoveryFailed} and the cause, so the kubelet
     * sees it, replaces it and can remove it.
     */
    private void markRecoveryFailed(ContainerRow r, RuntimeException cause) {
        String why = "Hako could not recover this container at start-up: " + cause.getMessage();
        LOG.warn("cannot recover container; reporting it exited (reason RecoveryFailed), the kubelet replaces it", "container",
                r.id(), "container_name", r.name(), "pod", r.podId(), "error", Log.cause(cause));
        if (r.state().equals(Container.State.EXITED.name())) {
            return;
        }
        try {
            records.update(ContainerRecords.recoveryFailed(r, why, Instant.now()));
        } catch (RuntimeException e) {
            LOG.error("cannot record the failed recovery of a container; it keeps its recorded state until the next start",
                    "container", r.id(), "container_name", r.name(), "pod", r.podId(), "error", Log.cause(e));
        }
    }
}
