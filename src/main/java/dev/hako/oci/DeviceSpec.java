package dev.hako.oci;

import java.util.LinkedHashMap;
import java.util.Map;

/** One entry of {@code linux.devices}: a device node the runtime makes in the container. */
public record DeviceSpec(String path, String type, long major, long minor, int fileMode, int uid, int gid) {
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("path", path);
        out.put("type", type);
        out.put("major", major);
        out.put("minor", minor);
        out.put("fileMode", fileMode);
        out.put("uid", uid);
        out.put("gid", gid);
        return out;
    }
}
