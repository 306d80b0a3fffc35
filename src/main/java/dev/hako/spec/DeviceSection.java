package dev.hako.spec;

import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.Device;
import dev.hako.error.HakoException;
import dev.hako.oci.DeviceSpec;
import dev.hako.oci.ResourcesSpec;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The {@code linux.devices} section and the cgroup device rules that go with it. */
final class DeviceSection {
    private DeviceSection() {}

    /** The devices the container asks for, each also allowed in {@code rules} (the cgroup device rules). */
    static List<DeviceSpec> requested(ContainerConfig c, List<ResourcesSpec.DeviceRule> rules) {
        List<DeviceSpec> out = new ArrayList<>();
        for (int i = 0; i < c.getDevicesCount(); i++) {
            Device d = c.getDevices(i);
            String field = "config.devices[" + i + "]";
            if (d.getContainerPath().isEmpty()) {
                throw HakoException.invalidArgument(field + ".container_path", "is empty");
            }
            Path host = Path.of(d.getHostPath());
            int mode;
            long rdev;
            int uid;
            int gid;
            try {
                mode = (Integer) Files.getAttribute(host, "unix:mode");
                rdev = (Long) Files.getAttribute(host, "unix:rdev");
                uid = (Integer) Files.getAttribute(host, "unix:uid");
                gid = (Integer) Files.getAttribute(host, "unix:gid");
            } catch (IOException | UnsupportedOperationException e) {
                throw HakoException.invalidArgument(field + ".host_path", d.getHostPath() + " does not exist");
            }
            String type = switch (mode & 0170000) {
                case 0020000 -> "c";
                case 0060000 -> "b";
                case 0010000 -> "p";
                default -> throw HakoException.invalidArgument(field + ".host_path",
                        d.getHostPath() + " is not a device node");
            };
            long major = ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & ~0xfffL);
            long minor = (rdev & 0xffL) | ((rdev >>> 12) & ~0xffL);
            out.add(new DeviceSpec(d.getContainerPath(), type, major, minor, mode & 07777, uid, gid));
            String perms = d.getPermissions().isEmpty() ? "rwm" : d.getPermissions();
            for (int k = 0; k < perms.length(); k++) {
                if ("rwm".indexOf(perms.charAt(k)) < 0) {
                    throw HakoException.invalidArgument(field + ".permissions",
                            "\"" + perms + "\" is not a combination of r, w and m");
                }
            }
            rules.add(new ResourcesSpec.DeviceRule(true, type, major, minor, perms));
        }
        return out;
    }

    /**
     * Every char and block device under the host's {@code dev} directory (as runc's HostDevices), for
     * privileged containers, except those {@code given} already names.
     */
    static List<DeviceSpec> host(Path dev, List<DeviceSpec> given) {
        Set<String> taken = new HashSet<>();
        for (DeviceSpec d : given) {
            taken.add(d.path());
        }
        LinkOption noFollow = LinkOption.NOFOLLOW_LINKS;
        Set<String> skipDirs = Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");
        List<DeviceSpec> out = new ArrayList<>();
        try {
            Files.walkFileTree(dev, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir,
                        BasicFileAttributes attrs) {
                    return !dir.equals(dev) && skipDirs.contains(dir.getFileName().toString())
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    String p = file.toString();
                    if (attrs.isOther() && !file.equals(dev.resolve("console")) && !taken.contains(p)) {
                        try {
                            int mode = (Integer) Files.getAttribute(file, "unix:mode", noFollow);
                            String type = switch (mode & 0170000) {
                                case 0020000 -> "c";
                                case 0060000 -> "b";
                                default -> null;
                            };
                            if (type != null) {
                                long rdev = (Long) Files.getAttribute(file, "unix:rdev", noFollow);
                                out.add(new DeviceSpec(p, type, ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & ~0xfffL),
                                        (rdev & 0xffL) | ((rdev >>> 12) & ~0xffL), mode & 07777,
                                        (Integer) Files.getAttribute(file, "unix:uid", noFollow),
                                        (Integer) Files.getAttribute(file, "unix:gid", noFollow)));
                            }
                        } catch (IOException | UnsupportedOperationException e) {
                            // gone or unreadable: skip it
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // no /dev to list: privileged containers get runc's default devices only
        }
        return out;
    }
}
