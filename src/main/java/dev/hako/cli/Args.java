package dev.hako.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed options ({@code --name value} or {@code --name=value}; a one-letter name also as {@code -n value})
 * and positional arguments of one subcommand; an option the subcommand does not know is a usage error.
 */
record Args(Map<String, String> options, List<String> positional, Map<String, List<String>> repeated) {

    static Args parse(List<String> argv, Set<String> allowed) throws UsageException {
        return parse(argv, allowed, Set.of());
    }

    /**
     * {@code flags} are boolean options, given as {@code -x} or {@code --name} without a value; their
     * value reads as "true". Everything after {@code --} is positional, as given.
     */
    static Args parse(List<String> argv, Set<String> allowed, Set<String> flags) throws UsageException {
        Map<String, String> out = new HashMap<>();
        List<String> positional = new ArrayList<>();
        Map<String, List<String>> repeated = new HashMap<>();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (arg.equals("--")) {
                positional.addAll(argv.subList(i + 1, argv.size()));
                break;
            }
            if (arg.startsWith("-") && !arg.startsWith("--") && flags.contains(arg.substring(1))) {
                out.put(arg.substring(1), "true");
                continue;
            }
            if (arg.startsWith("--") && flags.contains(arg.substring(2))) {
                out.put(arg.substring(2), "true");
                continue;
            }
            boolean shortOption = arg.length() > 1 && arg.charAt(0) == '-' && arg.charAt(1) != '-'
                    && allowed.contains(arg.substring(1).split("=", 2)[0]);
            if (!arg.startsWith("--") && !shortOption) {
                positional.add(arg);
                continue;
            }
            String name = arg.substring(shortOption ? 1 : 2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < argv.size()) {
                value = argv.get(++i);
            } else {
                throw new UsageException((shortOption ? "-" : "--") + name + " needs a value");
            }
            if (!allowed.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
            out.put(name, value);
            repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return new Args(out, List.copyOf(positional), repeated);
    }

    String get(String name) {
        return options.get(name);
    }

    /** The value of the first of {@code names} given (an option and its short alias), or null. */
    String first(String... names) {
        for (String n : names) {
            if (options.containsKey(n)) {
                return options.get(n);
            }
        }
        return null;
    }

    /** Every value given for any of {@code names}, in order (an option given more than once). */
    List<String> all(String... names) {
        List<String> values = new ArrayList<>();
        for (String n : names) {
            values.addAll(repeated.getOrDefault(n, List.of()));
        }
        return values;
    }

    boolean flag(String... names) {
        for (String n : names) {
            if ("true".equals(options.get(n))) {
                return true;
            }
        }
        return false;
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
