package dev.hako.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * A strict view of one TOML table: typed reads with defaults that remember every key they touched,
 * so that whatever is left over can be reported as unknown. Errors name the full dotted key.
 */
final class TomlSection {
    private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private final TomlTable table; // null when the table is absent from the file
    private final String path;
    private final Set<String> read = new HashSet<>();

    TomlSection(TomlTable table, String path) {
        this.table = table;
        this.path = path;
    }

    /** The dotted key of {@code key} in this table, quoting parts that are not bare TOML keys. */
    String keyPath(String key) {
        String part = BARE_KEY.matcher(key).matches() ? key : '"' + key + '"';
        return path.isEmpty() ? part : path + "." + part;
    }

    String path() {
        return path;
    }

    boolean has(String key) {
        return table != null && table.get(List.of(key)) != null;
    }

    /** The keys present in the file, in file order. */
    Set<String> keys() {
        return table == null ? Set.of() : new LinkedHashSet<>(table.keySet());
    }

    String string(String key, String def) throws ConfigException {
        Object v = value(key);
        if (v == null) {
            return def;
        }
        if (v instanceof String s) {
            return s;
        }
        throw wrongType(key, "a string", v);
    }

    boolean bool(String key, boolean def) throws ConfigException {
        Object v = value(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, "a boolean (true or false)", v);
    }

    long integer(String key, long def) throws ConfigException {
        Object v = value(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw wrongType(key, "an integer", v);
    }

    List<String> strings(String key, List<String> def) throws ConfigException {
        Object v = value(key);
        if (v == null) {
            return def;
        }
        if (!(v instanceof TomlArray array)) {
            throw wrongType(key, "an array of strings", v);
        }
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof String s)) {
                throw new ConfigException(keyPath(key) + where(key) + ": expected an array of strings, but element "
                        + i + " is " + describe(array.get(i)));
            }
            out.add(s);
        }
        return out;
    }

    /** A nested table; an absent one reads as empty so its defaults apply. */
    TomlSection section(String key) throws ConfigException {
        Object v = value(key);
        if (v == null) {
            return new TomlSection(null, keyPath(key));
        }
        if (v instanceof TomlTable t) {
            return new TomlSection(t, keyPath(key));
        }
        throw wrongType(key, "a table", v);
    }

    /** Fails on the first key of this table that no read asked for. */
    void rejectUnknown() throws ConfigException {
        for (String key : keys()) {
            if (!read.contains(key)) {
                throw new ConfigException(keyPath(key) + where(key) + ": unknown key");
            }
        }
    }

    ConfigException error(String key, String problem) {
        return new ConfigException(keyPath(key) + where(key) + ": " + problem);
    }

    private Object value(String key) {
        read.add(key);
        return table == null ? null : table.get(List.of(key));
    }

    private ConfigException wrongType(String key, String expected, Object got) {
        return error(key, "expected " + expected + ", got " + describe(got));
    }

    private String where(String key) {
        if (table == null) {
            return "";
        }
        TomlPosition pos = table.inputPositionOf(List.of(key));
        return pos == null ? "" : " (line " + pos.line() + ")";
    }

    private static String describe(Object v) {
        return switch (v) {
            case String s -> "a string";
            case Long l -> "an integer";
            case Double d -> "a float";
            case Boolean b -> "a boolean";
            case TomlArray a -> "an array";
            case TomlTable t -> "a table";
            default -> "a " + v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
