package dev.hako.testing.fuzz;

import dev.hako.cri.v1.PodSandboxConfig;
import java.nio.file.Path;

/**
 * The real things a fuzz run aims at, so that hostile values reach deep code and not only the
 * "not found" answers: a live pod and its config, a running container, a pulled image.
 *
 * @param podId          a READY pod sandbox
 * @param podConfig      its config (CreateContainer requests carry it as sandbox_config)
 * @param containerId    a running container in that pod (never stopped or removed by the fuzzer)
 * @param image          a pulled image's reference, from the test registry
 * @param victimImage    another image in the test registry the fuzzer may remove and pull again
 * @param registryHost   host:port of the test registry
 * @param hostRoot       a directory standing for the host: host paths, mounts and escapes point into it
 * @param logRoot        where pod log directories live
 */
public record FuzzTargets(String podId, PodSandboxConfig podConfig, String containerId, String image,
                          String victimImage, String registryHost, Path hostRoot, Path logRoot) {}
