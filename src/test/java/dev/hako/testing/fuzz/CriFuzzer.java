package dev.hako.testing.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.hako.cri.v1.ImageServiceGrpc;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A deterministic set of malformed and hostile CRI requests over every RPC of RuntimeService and
 * ImageService. Given the same seed and targets it yields the same requests, in the same order.
 *
 * <p>Most requests start from a valid one ({@link Baselines}) and get one to three fields replaced
 * by hostile values, found through the protobuf descriptors so every field of every message can
 * be hit; the rest are undecodable payloads, empty messages, and a list of named cases the issue
 * calls out (an overflowing uid, a 1-byte memory limit, {@code ..} in each path field, ...).
 */
public final class CriFuzzer {
    /** Larger requests than this are cut down: the point is hostile content, not the message-size limit. */
    private static final int MAX_PAYLOAD = 3 * HostileValues.MIB + 4096;

    private final Random random;
    private final HostileValues hostile;
    private final Baselines baselines;
    private final List<MethodDescriptor<?, ?>> methods = new ArrayList<>();

    public CriFuzzer(long seed, FuzzTargets targets) {
        this.random = new Random(seed);
        this.hostile = new HostileValues(random, targets);
        this.baselines = new Baselines(targets, hostile);
        methods.addAll(RuntimeServiceGrpc.getServiceDescriptor().getMethods());
        methods.addAll(ImageServiceGrpc.getServiceDescriptor().getMethods());
        methods.sort(Comparator.comparing(MethodDescriptor::getFullMethodName));
    }

    /** A valid pod config of the kind the fuzzer's RunPodSandbox requests start from, for the fixture pod. */
    public dev.hako.cri.v1.PodSandboxConfig fixturePod(String name) {
        return baselines.pod(name);
    }

    /** Every RPC the fuzzer covers (both CRI services). */
    public List<MethodDescriptor<?, ?>> methods() {
        return List.copyOf(methods);
    }

    /**
     * Hands {@code count} requests to {@code sink}, one at a time: many carry a mebibyte or more, so
     * they are made as they are sent rather than all held at once.
     */
    public void generate(int count, Consumer<FuzzCase> sink) {
        Emitter out = new Emitter(count, sink);
        // each RPC gets an undecodable payload and an empty message at least once
        for (MethodDescriptor<?, ?> m : methods) {
            out.add(m, garbage(), "random bytes");
            out.add(m, new byte[0], "empty message");
        }
        for (Map.Entry<String, Message> named : baselines.named().entrySet()) {
            Message msg = named.getValue();
            out.add(methodFor(msg), msg.toByteArray(), named.getKey());
        }
        Map<MethodDescriptor<?, ?>, Integer> weights = weights();
        int total = weights.values().stream().mapToInt(Integer::intValue).sum();
        while (!out.full()) {
            int w = random.nextInt(total);
            MethodDescriptor<?, ?> m = null;
            for (Map.Entry<MethodDescriptor<?, ?>, Integer> e : weights.entrySet()) {
                w -= e.getValue();
                if (w < 0) {
                    m = e.getKey();
                    break;
                }
            }
            randomCase(out, m);
        }
    }

    /** Numbers the cases and stops passing them on after the count. */
    private static final class Emitter {
        private final int count;
        private final Consumer<FuzzCase> sink;
        private int next;

        Emitter(int count, Consumer<FuzzCase> sink) {
            this.count = count;
            this.sink = sink;
        }

        void add(MethodDescriptor<?, ?> m, byte[] payload, String what) {
            if (next < count) {
                sink.accept(new FuzzCase(next++, m, payload, what));
            }
        }

        boolean full() {
            return next >= count;
        }
    }

    /** Calls that reach runtimes, the network and the registry get more of the requests. */
    private Map<MethodDescriptor<?, ?>, Integer> weights() {
        Map<String, Integer> heavy = Map.ofEntries(
                Map.entry("CreateContainer", 12), Map.entry("RunPodSandbox", 10),
                Map.entry("UpdateContainerResources", 5), Map.entry("UpdatePodSandboxResources", 3),
                Map.entry("ExecSync", 4), Map.entry("Exec", 3), Map.entry("Attach", 2), Map.entry("PortForward", 3),
                Map.entry("PullImage", 4), Map.entry("ImageStatus", 3), Map.entry("RemoveImage", 3),
                Map.entry("ListContainers", 2), Map.entry("ListPodSandbox", 2), Map.entry("UpdateRuntimeConfig", 2));
        Map<MethodDescriptor<?, ?>, Integer> out = new LinkedHashMap<>();
        for (MethodDescriptor<?, ?> m : methods) {
            out.put(m, heavy.getOrDefault(m.getBareMethodName(), 1));
        }
        return out;
    }

    private void randomCase(Emitter out, MethodDescriptor<?, ?> m) {
        String rpc = m.getBareMethodName();
        hostile.protectFixtures = Baselines.destructive(rpc);
        Message base = baselines.of(rpc);
        int r = random.nextInt(100);
        if (r < 6) {
            out.add(m, garbage(), "random bytes");
        } else if (r < 14) {
            Corrupt c = corrupt(base.toByteArray());
            out.add(m, c.bytes, c.what);
        } else {
            for (int attempt = 0; ; attempt++) {
                Message.Builder b = base.toBuilder();
                List<String> changed = new ArrayList<>();
                int n = 1 + random.nextInt(3);
                for (int i = 0; i < n; i++) {
                    mutate(b, "", 0, changed);
                }
                byte[] bytes = b.build().toByteArray();
                if (bytes.length <= MAX_PAYLOAD || attempt == 5) {
                    out.add(m, bytes.length <= MAX_PAYLOAD ? bytes : base.toByteArray(), String.join(", ", changed));
                    return;
                }
            }
        }
    }

    // ---- descriptor-driven mutation ---------------------------------------------------------------

    private void mutate(Message.Builder b, String prefix, int depth, List<String> changed) {
        Descriptor d = b.getDescriptorForType();
        List<FieldDescriptor> fields = d.getFields();
        if (fields.isEmpty()) {
            return;
        }
        FieldDescriptor f = fields.get(random.nextInt(fields.size()));
        String where = prefix + f.getName();
        if (f.isMapField()) {
            mapField(b, f, where, changed);
        } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            if (f.isRepeated()) {
                Message.Builder el = b.newBuilderForField(f);
                if (b.getRepeatedFieldCount(f) > 0 && random.nextBoolean()) {
                    el = ((Message) b.getRepeatedField(f, 0)).toBuilder();
                }
                mutate(el, where + "[].", depth + 1, changed);
                int copies = hostile.pick(List.of(1, 1, 2, 1000));
                Message built = el.build();
                if ((long) copies * built.getSerializedSize() > MAX_PAYLOAD) {
                    copies = 1;
                }
                for (int i = 0; i < copies; i++) {
                    b.addRepeatedField(f, built);
                }
            } else if (depth < 6 && random.nextInt(5) != 0) {
                mutate(b.getFieldBuilder(f), where + ".", depth + 1, changed);
            } else {
                b.clearField(f);
                changed.add(where + " cleared");
            }
        } else if (f.isRepeated()) {
            int count = hostile.pick(List.of(1, 2, 3, 100_000));
            boolean small = count > 3;
            b.clearField(f);
            for (int i = 0; i < count; i++) {
                b.addRepeatedField(f, small ? smallScalar(f, i) : scalar(f));
            }
            changed.add(where + " x" + count);
        } else {
            Object v = scalar(f);
            b.setField(f, v);
            changed.add(where + "=" + describe(v));
        }
    }

    private void mapField(Message.Builder b, FieldDescriptor f, String where, List<String> changed) {
        Descriptor entry = f.getMessageType();
        FieldDescriptor key = entry.findFieldByNumber(1);
        FieldDescriptor value = entry.findFieldByNumber(2);
        if (random.nextBoolean()) {
            // the Kubernetes-sized flood: 10k entries
            for (int i = 0; i < 10_000; i++) {
                Message.Builder e = b.newBuilderForField(f);
                e.setField(key, key.getJavaType() == FieldDescriptor.JavaType.STRING ? "fuzz.example.com/k" + i : smallScalar(key, i));
                if (value.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    e.setField(value, e.newBuilderForField(value).build());
                } else {
                    e.setField(value, smallScalar(value, i));
                }
                b.addRepeatedField(f, e.build());
            }
            changed.add(where + " x10000");
            return;
        }
        Message.Builder e = b.newBuilderForField(f);
        Object k = scalar(key);
        e.setField(key, k);
        if (value.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            Message.Builder v = e.newBuilderForField(value);
            mutate(v, where + "{}.", 1, changed);
            e.setField(value, v.build());
        } else {
            e.setField(value, scalar(value));
        }
        b.addRepeatedField(f, e.build());
        changed.add(where + "{" + describe(k) + "}");
    }

    private Object scalar(FieldDescriptor f) {
        return switch (f.getJavaType()) {
            case STRING -> hostile.string(f.getName());
            case INT -> hostile.int32();
            case LONG -> hostile.int64();
            case BOOLEAN -> random.nextBoolean();
            case DOUBLE -> hostile.pick(List.of(Double.NaN, Double.NEGATIVE_INFINITY, -1.0, 1e308));
            case FLOAT -> hostile.pick(List.of(Float.NaN, Float.POSITIVE_INFINITY, -1.0f));
            case BYTE_STRING -> ByteString.copyFrom(garbage());
            case ENUM -> f.getEnumType().findValueByNumberCreatingIfUnknown(hostile.enumNumber());
            case MESSAGE -> throw new IllegalStateException(f.getFullName());
        };
    }

    /** A value for the i-th of very many entries: hostile in number, modest in size. */
    private Object smallScalar(FieldDescriptor f, int i) {
        return switch (f.getJavaType()) {
            case STRING -> "v" + i;
            case INT -> i;
            case LONG -> (long) i;
            case BOOLEAN -> true;
            case DOUBLE -> (double) i;
            case FLOAT -> (float) i;
            case BYTE_STRING -> ByteString.copyFromUtf8("b" + i);
            case ENUM -> f.getEnumType().findValueByNumberCreatingIfUnknown(i % 7);
            case MESSAGE -> throw new IllegalStateException(f.getFullName());
        };
    }

    private static String describe(Object v) {
        String s = String.valueOf(v);
        if (s.length() > 40) {
            return "<" + s.length() + " chars: " + printable(s.substring(0, 24)) + "...>";
        }
        return "\"" + printable(s) + "\"";
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c < ' ' || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }

    // ---- undecodable payloads -----------------------------------------------------------------------

    private byte[] garbage() {
        byte[] b = new byte[1 + random.nextInt(64)];
        random.nextBytes(b);
        return b;
    }

    private record Corrupt(byte[] bytes, String what) {}

    /** A valid encoding broken in one of the ways a decoder must refuse. */
    private Corrupt corrupt(byte[] valid) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(valid);
        return switch (random.nextInt(7)) {
            case 0 -> {
                // field 1, length-delimited, holding invalid UTF-8 (a string field's bytes must be UTF-8)
                out.writeBytes(new byte[] {0x0a, 0x02, (byte) 0xc3, 0x28});
                yield new Corrupt(out.toByteArray(), "invalid UTF-8 in field 1");
            }
            case 1 -> {
                out.writeBytes(new byte[] {0x0a, 0x7f, 0x01});
                yield new Corrupt(out.toByteArray(), "length past the end");
            }
            case 2 -> {
                out.writeBytes(new byte[] {0x08, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                        (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
                yield new Corrupt(out.toByteArray(), "malformed varint");
            }
            case 3 -> {
                out.writeBytes(new byte[] {0x00, 0x01});
                yield new Corrupt(out.toByteArray(), "tag zero");
            }
            case 4 -> {
                out.writeBytes(new byte[] {0x0f});
                yield new Corrupt(out.toByteArray(), "wire type 7");
            }
            case 5 -> {
                out.writeBytes(new byte[] {0x0c});
                yield new Corrupt(out.toByteArray(), "end-group without start");
            }
            default -> {
                byte[] cut = valid.length > 1 ? java.util.Arrays.copyOf(valid, valid.length - 1) : new byte[] {0x0a, 0x05};
                yield new Corrupt(cut, "truncated");
            }
        };
    }

    private MethodDescriptor<?, ?> methodFor(Message request) {
        String type = request.getDescriptorForType().getFullName();
        for (MethodDescriptor<?, ?> m : methods) {
            if (m.getSchemaDescriptor() instanceof io.grpc.protobuf.ProtoMethodDescriptorSupplier s
                    && s.getMethodDescriptor().getInputType().getFullName().equals(type)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no RPC takes " + type);
    }
}
