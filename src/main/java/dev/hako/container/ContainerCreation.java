package dev.hako.container;

import dev.hako.FaultPoints;
import dev.hako.config.HakoConfig;
import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.error.HakoException;
import dev.hako.metrics.Metrics;
import dev.hako.trace.Trace;
import dev.hako.image.Image;
import dev.hako.image.ImageService;
import dev.hako.image.spec.ImageConfig;
import dev.hako.log.Log;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.oci.RuntimeSpec;
import dev.hako.pod.Pod;
import dev.hako.pod.PodService;
import dev.hako.spec.SpecGenerator;
import dev.hako.spec.SpecInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CreateContainer: the name reserved, the request checked, then the intent row, bundle and layer
 * directories, the rootfs overlay, config.json and the runtime's container, and last the whole record.
 * A failure undoes every step made; a crash leaves the intent, which recovery undoes.
 */
final class ContainerCreation {
    private static final Log LOG = Log.of("container");

    private final HakoConfig config;
    private final RuntimeHandlers handlers;
    private final ContainerRuntimes runtimes;
    private final PodService pods;
    private final ImageService images;
    private final ContainerRecords records;
    private final ContainerBundles bundles;
    private final ContainerEvents events;
    private final SpecGenerator specs;
    private final NameReservations creating = new NameReservations();

    ContainerCreation(HakoConfig config, RuntimeHandlers handlers, ContainerRuntimes runtimes, PodService pods,
                      ImageService images, ContainerRecords records, ContainerBundles bundles, ContainerEvents events,
                      SpecGenerator specs) {
        this.config = config;
        this.handlers = handlers;
        this.runtimes = runtimes;
        this.pods = pods;
        this.images = images;
        this.records = records;
        this.bundles = bundles;
        this.events = events;
        this.specs = specs;
    }

    String create(String podId, ContainerConfig cfg) {
        // held from before the name is checked until the row is written: concurrent creates of one name race no more
        try (NameReservations.Reservation name = creating.reserve(pods.get(podId).id(), cfg.getMetadata().getName(),
                cfg.getMetadata().getAttempt(), records.newId())) {
            return create(podId, cfg, name);
        }
    }

    private String create(String podId, ContainerConfig cfg, NameReservations.Reservation reservation) {
        long started = Metrics.now();
        Pod pod = pods.get(podId);
        CreateChecks.requireReady(pod);
        String name = CreateChecks.requireName(cfg);
        Trace.pod(pod.id(), name); // the call's phases join the pod's start-up timings
        String imageText = CreateChecks.requireImage(cfg);
        Image image = images.find(imageText).orElseThrow(() ->
                HakoException.notFound("image \"" + imageText + "\" is not present; pull it first"));
        CreateChecks.requireNewName(records.all(), pod, cfg);
        ContainerRuntime runtime = runtimes.runtime(
                pod.runtimeHandler().isEmpty() ? config.runtime().defaultHandler() : pod.runtimeHandler());
        HandlerConfig handler = runtime.handler();
        CreateChecks.requireMountSupport(cfg, handler, handlers);
        String id = reservation.id();
        Path bundle = bundles.bundle(id);
        Path rootfs = ContainerBundles.rootfs(bundle);
        Path logPath = bundles.logPath(pod, cfg, bundle);
        String imageRef = image.repoDigests().isEmpty() ? image.id() : image.repoDigests().getFirst();
        boolean intended = false;
        boolean mounted = false;
        // the lease keeps RemoveImage off the layers until the record names them
        try (ImageService.Lease lease = images.lease(image)) {
            FaultPoints.reach("container-lease-taken");
            // the intent first: whatever a crash leaves from here on, recovery finds and undoes
            Container intent = new Container(id, pod.id(), cfg, imageText, image.id(), imageRef, Container.State.CREATED,
                    Instant.now(), null, null, null, "", "", 0, bundle, logPath, handler.name());
            if (!records.insertIntent(intent, image, handler)) {
                throw HakoException.alreadyExists("container " + name + " (attempt " + cfg.getMetadata().getAttempt()
                        + ") is already being created in pod " + pod.id());
            }
            intended = true;
            bundles.createDirectories(id);
            Trace.run("rootfs", () -> bundles.mountRootfs(id, images.layerDirs(image)));
            mounted = true;
            FaultPoints.reach("container-rootfs-mounted");
            Trace.run("oci spec", () -> {
                ImageConfig imageConfig = images.config(image);
                RuntimeSpec spec = specs.generate(new SpecInput(id, withPodAnnotations(cfg, pod, handler),
                        pod.context(), imageConfig,
                        imageText, rootfs, config.runtime().cgroupDriver()));
                ContainerBundles.writeSpec(bundle, spec.toJson());
            });
            if (logPath.getParent() != null) {
                Files.createDirectories(logPath.getParent());
            }
            int pid = Trace.in("conmon create", () -> runtime.create(new ContainerRuntime.AppContainer(id, name, bundle,
                    logPath, cfg.getTty(), cfg.getStdin(), cfg.getStdinOnce())));
            FaultPoints.reach("container-created");
            Container c = new Container(id, pod.id(), cfg, imageText, image.id(), imageRef, Container.State.CREATED,
                    intent.createdAt(), null, null, null, "", "", pid, bundle, logPath, handler.name());
            records.complete(c, image, handler); // the intent becomes the record: listed from now on
            events.created(c);
            LOG.info("created container", "container", id, "container_name", name, "pod", pod.id(), "image", imageText, "pid", pid);
            Metrics.podStartPhase("create", handler.name(), started);
            return id;
        } catch (IOException | RuntimeException e) {
            // nothing half-made stays behind: the runtime's container, the mount, the directories, the intent
            runtime.delete(id, true);
            if (mounted) {
                Rootfs.unmount(rootfs);
            }
            bundles.delete(id, bundle);
            runtimes.conmon().forget(id);
            if (intended) {
                try {
                    records.delete(id);
                } catch (RuntimeException x) {
                    LOG.error("cannot drop the intent of a failed create; undone at the next start", "container", id,
                            "container_name", name, "pod", pod.id(), "error", Log.cause(x));
                }
            }
            LOG.warn("container creation failed and was undone; the kubelet retries (check the image, command and mounts)",
                    "container", id, "container_name", name, "pod", pod.id(), "pod_name", pod.namespace() + "/" + pod.name(),
                    "image", imageText, "handler", handler.name(), "error", Log.cause(e));
            if (e instanceof HakoException h) {
                throw h;
            }
            throw HakoException.internal("creating container " + name + ": " + e.getMessage(), e);
        }
    }

    /** The container's config with the pod annotations its handler lets into OCI specs ({@code allowed_annotations}). */
    static ContainerConfig withPodAnnotations(ContainerConfig cfg, Pod pod, HandlerConfig handler) {
        Map<String, String> passed = new LinkedHashMap<>();
        pod.config().getAnnotationsMap().forEach((k, v) -> {
            if (handler.allowsAnnotation(k) && !cfg.containsAnnotations(k)) {
                passed.put(k, v);
            }
        });
        return passed.isEmpty() ? cfg : cfg.toBuilder().putAllAnnotations(passed).build();
    }
}
