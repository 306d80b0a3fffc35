package dev.hako.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * {@code --output}/{@code -o}: a listing as a table (the default), or the whole CRI response as JSON
 * or YAML. The documents are the proto3 JSON mapping with every field present, even at its default,
 * so scripts see the same keys every time (int64 values are strings, as in that mapping).
 */
enum Output {
    TABLE, JSON, YAML;

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().alwaysPrintFieldsWithNoPresence();

    /** The format named by {@code -o}/{@code --output}; {@code allowed} lists the ones this command has. */
    static Output of(Args args, Output fallback, Output... allowed) throws Args.UsageException {
        String name = args.first("output", "o");
        if (name == null) {
            return fallback;
        }
        for (Output o : allowed) {
            if (o.name().equalsIgnoreCase(name)) {
                return o;
            }
        }
        StringBuilder names = new StringBuilder();
        for (Output o : allowed) {
            names.append(names.isEmpty() ? "" : ", ").append(o.name().toLowerCase(Locale.ROOT));
        }
        throw new Args.UsageException("--output: \"" + name + "\" is not one of " + names);
    }

    /** {@code message} as a pretty JSON document, every field present. */
    static String json(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** {@code message} as this format's document (JSON or YAML), ending with a newline. */
    String document(MessageOrBuilder message) {
        return document(json(message));
    }

    /** A (pretty) JSON document in this format, JSON as it is or YAML, ending with a newline. */
    String document(String json) {
        return switch (this) {
            case YAML -> yaml(json);
            case JSON, TABLE -> json.strip() + "\n";
        };
    }

    /** YAML in block style with the keys in the JSON's order; the same data as the JSON. */
    static String yaml(String json) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setWidth(Integer.MAX_VALUE);
        Object data = new Yaml(new SafeConstructor(new LoaderOptions())).load(json);
        if (data instanceof Map<?, ?> m && m.isEmpty()) {
            return "{}\n";
        }
        return new Yaml(new Representer(options), options).dump(data);
    }
}
