package dev.hako.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed options ({@code --name value} or {@code --name=value}) and positional arguments of one
 * subcommand; an option the subcommand does not know is a usage error.
 */
record Args(Map<String, String> options, List<String> positional) {

    static Args parse(List<String> argv, Set<String> allowed) throws UsageException {
        Map<String, String> out = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < argv.size()) {
                value = argv.get(++i);
            } else {
                throw new UsageException("--" + name + " needs a value");
            }
            if (!allowed.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
            out.put(name, value);
        }
        return new Args(out, List.copyOf(positional));
    }

    String get(String name) {
        return options.get(name);
    }

    /** Exactly {@code n} positional arguments, described by {@code what} in the error. */
    List<String> exactly(int n, String what) throws UsageException {
        if (positional.size() != n) {
            throw new UsageException("expected " + what);
        }
        return positional;
    }

    List<String> atLeastOne(String what) throws UsageException {
        if (positional.isEmpty()) {
            throw new UsageException("expected " + what);
        }
        return positional;
    }

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
