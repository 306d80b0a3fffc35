package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.hako.cri.v1.CriApi;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Our compiled runtime.v1 proto against the upstream wire contract (test resource
 * {@code cri/runtime-v1-wire.txt}: every rpc, field number/name/type and enum value). A field
 * renumbered or retyped here would silently corrupt kubelet traffic, so this runs on every build.
 */
class WireContractTest {
    private static final String PACKAGE = "runtime.v1.";

    @Test
    void compiledProtoMatchesEveryUpstreamWireFact() throws IOException {
        TreeSet<String> expected = new TreeSet<>(upstreamFacts());
        TreeSet<String> actual = new TreeSet<>(facts(CriApi.getDescriptor()));
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        TreeSet<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertThat(missing).as("upstream facts our proto lacks or gets wrong").isEmpty();
        assertThat(extra).as("facts our proto has that upstream does not").isEmpty();
        assertThat(actual).hasSize(expected.size());
    }

    private static List<String> upstreamFacts() throws IOException {
        try (InputStream in = WireContractTest.class.getResourceAsStream("/cri/runtime-v1-wire.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /** The same facts, in the same notation, as the upstream list. */
    static List<String> facts(FileDescriptor file) {
        List<String> out = new ArrayList<>();
        for (ServiceDescriptor s : file.getServices()) {
            for (MethodDescriptor m : s.getMethods()) {
                out.add("rpc %s.%s %s%s -> %s%s".formatted(s.getName(), m.getName(),
                        m.isClientStreaming() ? "stream " : "", local(m.getInputType().getFullName()),
                        m.isServerStreaming() ? "stream " : "", local(m.getOutputType().getFullName())));
            }
        }
        for (Descriptor d : file.getMessageTypes()) {
            message(d, out);
        }
        for (EnumDescriptor e : file.getEnumTypes()) {
            enumValues(e, out);
        }
        return out;
    }

    private static void message(Descriptor d, List<String> out) {
        String name = local(d.getFullName());
        if (d.getFields().isEmpty()) {
            out.add("message " + name + " (empty)");
        }
        for (FieldDescriptor f : d.getFields()) {
            String kind;
            if (f.isMapField()) {
                Descriptor entry = f.getMessageType();
                kind = "map<" + type(entry.findFieldByNumber(1)) + "," + type(entry.findFieldByNumber(2)) + ">";
            } else {
                kind = (f.isRepeated() ? "repeated " : "") + type(f);
            }
            String oneof = f.getRealContainingOneof() != null ? " oneof:" + f.getRealContainingOneof().getName() : "";
            out.add("message %s %d %s %s%s".formatted(name, f.getNumber(), f.getName(), kind, oneof));
        }
        for (Descriptor nested : d.getNestedTypes()) {
            if (!nested.getOptions().getMapEntry()) {
                message(nested, out);
            }
        }
        for (EnumDescriptor e : d.getEnumTypes()) {
            enumValues(e, out);
        }
    }

    private static void enumValues(EnumDescriptor e, List<String> out) {
        for (EnumValueDescriptor v : e.getValues()) {
            out.add("enum %s %d %s".formatted(local(e.getFullName()), v.getNumber(), v.getName()));
        }
    }

    private static String type(FieldDescriptor f) {
        return switch (f.getType()) {
            case MESSAGE -> local(f.getMessageType().getFullName());
            case ENUM -> local(f.getEnumType().getFullName());
            default -> f.getType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String local(String fullName) {
        return fullName.startsWith(PACKAGE) ? fullName.substring(PACKAGE.length()) : fullName;
    }
}
