package dev.hako.spec;

import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.SecurityProfile;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.oci.SeccompSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code linux.seccomp} section of a container's spec, from the CRI security context:
 * {@code seccomp} ({@code RuntimeDefault}, {@code Unconfined}, {@code Localhost}) or the legacy
 * {@code seccomp_profile_path} ({@code runtime/default}, {@code docker/default}, {@code unconfined},
 * {@code localhost/<path>}). Neither set means unconfined, as with containerd. Privileged
 * containers are never filtered.
 *
 * <p>Profiles (Hako's default, and Localhost files) may carry Docker's extensions: entries with
 * {@code includes}/{@code excludes} of {@code caps} and {@code arches} are kept only when they
 * apply to the container and the host, {@code name} is read as {@code names}, and
 * {@code archMap} picks the architectures for the host. The result is plain OCI.
 */
public final class Seccomp {
    private Seccomp() {}

    static final String DEFAULT_RESOURCE = "seccomp-default.json";
    private static final String FIELD = "config.linux.security_context.";

    private static volatile Map<String, Object> defaultProfile;

    /** The profile for the container on a host of {@code arch} ({@link HostFacts#arch()}), or null to run it unconfined. */
    static SeccompSpec forContainer(LinuxContainerSecurityContext sc, boolean privileged, Set<String> caps,
                                            String arch) {
        if (privileged) {
            return null;
        }
        Map<String, Object> raw;
        if (sc.hasSeccomp()) {
            SecurityProfile p = sc.getSeccomp();
            raw = switch (p.getProfileType()) {
                case RuntimeDefault -> defaultProfile();
                case Unconfined -> null;
                case Localhost -> load(FIELD + "seccomp.localhost_ref", p.getLocalhostRef());
                default -> throw HakoException.invalidArgument(FIELD + "seccomp.profile_type",
                        "unknown profile type " + p.getProfileTypeValue());
            };
        } else {
            String path = sc.getSeccompProfilePath();
            if (path.isEmpty() || path.equals("unconfined")) {
                raw = null;
            } else if (path.equals("runtime/default") || path.equals("docker/default")) {
                raw = defaultProfile();
            } else if (path.startsWith("localhost/")) {
                raw = load(FIELD + "seccomp_profile_path", path.substring("localhost/".length()));
            } else {
                throw HakoException.invalidArgument(FIELD + "seccomp_profile_path", "\"" + path
                        + "\" is none of runtime/default, docker/default, unconfined and localhost/<path>");
            }
        }
        return raw == null ? null : resolve(raw, caps, arch);
    }

    /** Hako's default profile as shipped (with its includes and excludes). */
    static Map<String, Object> defaultProfile() {
        Map<String, Object> p = defaultProfile;
        if (p == null) {
            try (InputStream in = Seccomp.class.getResourceAsStream(DEFAULT_RESOURCE)) {
                if (in == null) {
                    throw new IOException("resource " + DEFAULT_RESOURCE + " is missing");
                }
                p = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw HakoException.internal("reading the default seccomp profile: " + e.getMessage(), e);
            }
            defaultProfile = p;
        }
        return p;
    }

    private static Map<String, Object> load(String field, String ref) {
        if (ref.isEmpty()) {
            throw HakoException.invalidArgument(field, "a Localhost seccomp profile needs the path of its file");
        }
        Path path = Path.of(ref);
        if (!path.isAbsolute()) {
            throw HakoException.invalidArgument(field, "\"" + ref + "\" is not an absolute path");
        }
        if (!Files.isRegularFile(path)) {
            throw HakoException.invalidArgument(field, "seccomp profile " + ref + " does not exist");
        }
        Map<String, Object> p;
        try {
            p = Json.parseObject(Files.readString(path));
        } catch (IOException | IllegalArgumentException e) {
            throw HakoException.invalidArgument(field, "seccomp profile " + ref + " cannot be read: " + e.getMessage());
        }
        if (!(p.get("defaultAction") instanceof String)) {
            throw HakoException.invalidArgument(field, "seccomp profile " + ref + " has no defaultAction");
        }
        if (p.containsKey("syscalls") && !(p.get("syscalls") instanceof List<?>)) {
            throw HakoException.invalidArgument(field, "seccomp profile " + ref + ": syscalls is not a list");
        }
        return p;
    }

    /** The OCI form of {@code profile} for a container with {@code caps} on {@code arch}. */
    static SeccompSpec resolve(Map<String, Object> profile, Set<String> caps, String arch) {
        Object arches = profile.get("architectures");
        if (arches == null && profile.get("archMap") instanceof Map<?, ?> m && m.get(arch) instanceof List<?> l) {
            arches = l;
        }
        if (arches == null && profile.get("archMap") instanceof List<?> docker) {
            // Docker's form: [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": [...]}, ...]
            String main = arch.equals("amd64") ? "SCMP_ARCH_X86_64" : arch.equals("arm64") ? "SCMP_ARCH_AARCH64" : "";
            for (Object e : docker) {
                if (e instanceof Map<?, ?> m && main.equals(m.get("architecture"))) {
                    List<Object> l = new ArrayList<>();
                    l.add(main);
                    if (m.get("subArchitectures") instanceof List<?> sub) {
                        l.addAll(sub);
                    }
                    arches = l;
                }
            }
        }
        List<Object> architectures = new ArrayList<>();
        if (arches instanceof List<?> l) {
            architectures.addAll(l);
        }
        Map<String, Object> options = new LinkedHashMap<>();
        for (String k : List.of("flags", "listenerPath", "listenerMetadata")) {
            if (profile.get(k) != null) {
                options.put(k, profile.get(k));
            }
        }
        List<SeccompSpec.Syscall> syscalls = new ArrayList<>();
        if (profile.get("syscalls") instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> s) || !applies(s, caps, arch)) {
                    continue;
                }
                List<Object> names = new ArrayList<>();
                if (s.get("names") instanceof List<?> n) {
                    names.addAll(n);
                }
                if (s.get("name") instanceof String n) {
                    names.add(n);
                }
                if (names.isEmpty()) {
                    continue;
                }
                List<Object> args = new ArrayList<>();
                if (s.get("args") instanceof List<?> a) {
                    args.addAll(a);
                }
                syscalls.add(new SeccompSpec.Syscall(names, s.get("action"), s.get("errnoRet"), args));
            }
        }
        return new SeccompSpec(profile.get("defaultAction"), profile.get("defaultErrnoRet"), architectures, options,
                syscalls);
    }

    private static boolean applies(Map<?, ?> rule, Set<String> caps, String arch) {
        if (rule.get("includes") instanceof Map<?, ?> inc) {
            if (inc.get("caps") instanceof List<?> need && !need.isEmpty()) {
                for (Object c : need) {
                    if (!caps.contains(String.valueOf(c))) {
                        return false;
                    }
                }
            }
            if (inc.get("arches") instanceof List<?> a && !a.isEmpty() && !a.contains(arch)) {
                return false;
            }
        }
        if (rule.get("excludes") instanceof Map<?, ?> exc) {
            if (exc.get("caps") instanceof List<?> not) {
                for (Object c : not) {
                    if (caps.contains(String.valueOf(c))) {
                        return false;
                    }
                }
            }
            if (exc.get("arches") instanceof List<?> a && a.contains(arch)) {
                return false;
            }
        }
        return true;
    }
}
