package dev.hako.spec;

import dev.hako.config.CgroupDriver;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.image.spec.ImageConfig;
import java.nio.file.Path;

/**
 * Everything {@link SpecGenerator} needs for one CRI container.
 *
 * @param image          the image's config (Entrypoint, Cmd, Env, WorkingDir, User), or null for none
 * @param imageName      the image as the kubelet named it, for the {@code io.kubernetes.cri.image-name} annotation
 * @param rootfs         the container's mounted root file system (also where /etc/passwd and /etc/group are read)
 */
public record SpecInput(String containerId, ContainerConfig config, PodContext pod, ImageConfig image, String imageName,
                        Path rootfs, CgroupDriver cgroupDriver) {}
