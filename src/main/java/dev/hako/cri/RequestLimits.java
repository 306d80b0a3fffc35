package dev.hako.cri;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.hako.error.HakoException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Limits every CRI request meets before any handler sees it, checked over all of its fields through
 * the protobuf descriptors (so a field added to the proto is covered without a change here):
 *
 * <ul>
 * <li>no string (or env value) holds a NUL byte: each becomes a path, an argument, an environment
 *     entry or a name, and none of those can carry one;</li>
 * <li>strings are at most {@value #PATH_MAX} bytes (PATH_MAX: IDs, names, image references and paths
 *     all fit), arguments and environment values at most {@value #ARG_MAX_ONE} (the kernel's
 *     MAX_ARG_STRLEN less its NUL), credentials at most {@value #SECRET_MAX};</li>
 * <li>a map (labels, annotations, sysctls, unified, ...) totals at most {@value #MAP_BYTES} bytes of
 *     keys and values, the limit Kubernetes puts on a pod's annotations;</li>
 * <li>a repeated field has at most {@value #MAX_ENTRIES} entries (NGROUPS_MAX for supplemental groups);</li>
 * <li>enum fields hold one of the values this version of the CRI defines.</li>
 * </ul>
 */
final class RequestLimits {
    static final int PATH_MAX = 4096;
    static final int ARG_MAX_ONE = 128 * 1024 - 1;
    static final int SECRET_MAX = 64 * 1024;
    static final int MAP_BYTES = 256 * 1024;
    static final int MAX_ENTRIES = 65536;
    /** Registry credentials and tokens (JWTs run to a few KiB). */
    private static final Set<String> SECRETS = Set.of("password", "auth", "identity_token", "registry_token");

    private RequestLimits() {}

    static void check(Message request) {
        walk(request, "");
    }

    private static void walk(Message m, String prefix) {
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            String field = prefix + f.getName();
            if (f.isMapField()) {
                map(f, field, (List<?>) e.getValue());
            } else if (f.isRepeated()) {
                List<?> values = (List<?>) e.getValue();
                entries(field, values.size());
                for (int i = 0; i < values.size(); i++) {
                    value(f, field + "[" + i + "]", values.get(i), i);
                }
            } else {
                value(f, field, e.getValue(), -1);
            }
        }
    }

    private static void map(FieldDescriptor f, String field, List<?> entries) {
        entries(field, entries.size());
        FieldDescriptor keyField = f.getMessageType().findFieldByNumber(1);
        FieldDescriptor valueField = f.getMessageType().findFieldByNumber(2);
        long total = 0;
        for (Object o : entries) {
            Message entry = (Message) o;
            Object key = entry.getField(keyField);
            String where = field + "[\"" + Echo.of(String.valueOf(key)) + "\"]";
            if (key instanceof String k) {
                string(where + " (key)", k, PATH_MAX);
                total += utf8Length(k);
            }
            Object value = entry.getField(valueField);
            if (value instanceof String v) {
                string(where, v, MAP_BYTES);
                total += utf8Length(v);
            } else {
                value(valueField, where, value, -1);
            }
        }
        if (total > MAP_BYTES) {
            throw HakoException.invalidArgument(field, "keys and values total " + total + " bytes, more than "
                    + MAP_BYTES + " (" + entries.size() + " entries)");
        }
    }

    private static void value(FieldDescriptor f, String where, Object v, int index) {
        switch (f.getJavaType()) {
            case STRING -> string(where, (String) v, limit(f, index));
            case BYTE_STRING -> bytes(where, (ByteString) v);
            case MESSAGE -> walk((Message) v, where + ".");
            case ENUM -> {
                EnumValueDescriptor e = (EnumValueDescriptor) v;
                if (f.getEnumType().findValueByNumber(e.getNumber()) == null) {
                    throw HakoException.invalidArgument(where, e.getNumber() + " is not a value of "
                            + f.getEnumType().getName());
                }
            }
            default -> { }
        }
    }

    /** The byte limit of one string: argv entries may be long, the program path may not. */
    private static int limit(FieldDescriptor f, int index) {
        String name = f.getName();
        return switch (name) {
            case "args" -> ARG_MAX_ONE;
            case "command", "cmd" -> index == 0 ? PATH_MAX : ARG_MAX_ONE;
            default -> SECRETS.contains(name) ? SECRET_MAX : PATH_MAX;
        };
    }

    static void string(String where, String s, int max) {
        if (s.indexOf('\0') >= 0) {
            throw HakoException.invalidArgument(where, "\"" + Echo.of(s) + "\" contains a NUL byte");
        }
        if (s.length() > max / 3) {
            long bytes = utf8Length(s);
            if (bytes > max) {
                throw HakoException.invalidArgument(where, "is " + bytes + " bytes long, more than " + max
                        + " (\"" + Echo.of(s) + "\")");
            }
        }
    }

    /** {@code bytes} fields of requests are environment values ({@code KeyValue.value}). */
    private static void bytes(String where, ByteString b) {
        if (b.size() > ARG_MAX_ONE) {
            throw HakoException.invalidArgument(where, "is " + b.size() + " bytes long, more than " + ARG_MAX_ONE);
        }
        for (int i = 0; i < b.size(); i++) {
            if (b.byteAt(i) == 0) {
                throw HakoException.invalidArgument(where, "contains a NUL byte");
            }
        }
    }

    private static void entries(String field, int count) {
        if (count > MAX_ENTRIES) {
            throw HakoException.invalidArgument(field, "has " + count + " entries, more than " + MAX_ENTRIES);
        }
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
