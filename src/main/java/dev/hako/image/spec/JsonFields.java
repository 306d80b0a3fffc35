package dev.hako.image.spec;

import dev.hako.error.HakoException;
import dev.hako.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Typed reads from image documents (manifests, indexes, configs) that come from registries or tar
 * files: anything malformed is the source's fault, reported as DATA_LOSS naming the document.
 */
public final class JsonFields {
    private final Map<String, Object> map;
    private final String where;

    private JsonFields(Map<String, Object> map, String where) {
        this.map = map;
        this.where = where;
    }

    public static JsonFields parse(byte[] json, String where) {
        try {
            return new JsonFields(Json.parseObject(new String(json, StandardCharsets.UTF_8)), where);
        } catch (IllegalArgumentException e) {
            throw bad(where, e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    public static JsonFields of(Object value, String where) {
        if (value instanceof Map<?, ?> m) {
            return new JsonFields((Map<String, Object>) m, where);
        }
        throw bad(where, "expected an object");
    }

    public Map<String, Object> raw() {
        return map;
    }

    public String where() {
        return where;
    }

    public String string(String key, String def) {
        Object v = map.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof String s) {
            return s;
        }
        throw bad(where + "." + key, "expected a string");
    }

    public long number(String key, long def) {
        Object v = map.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw bad(where + "." + key, "expected an integer");
    }

    public JsonFields object(String key) {
        Object v = map.get(key);
        return v == null ? null : of(v, where + "." + key);
    }

    public List<Object> list(String key) {
        Object v = map.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> out = (List<Object>) l;
            return out;
        }
        throw bad(where + "." + key, "expected an array");
    }

    public static HakoException bad(String where, String why) {
        return new HakoException(HakoException.Kind.DATA_LOSS, where + ": " + why);
    }
}
