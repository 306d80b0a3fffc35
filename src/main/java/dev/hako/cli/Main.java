package dev.hako.cli;

import dev.hako.BuildInfo;
import dev.hako.config.ConfigException;
import dev.hako.config.ConfigLoader;
import dev.hako.config.HakoConfig;
import dev.hako.cri.v1.RuntimeCondition;
import dev.hako.cri.v1.RuntimeHandler;
import dev.hako.cri.v1.StatusRequest;
import dev.hako.cri.v1.StatusResponse;
import dev.hako.cri.v1.VersionRequest;
import dev.hako.cri.v1.VersionResponse;
import dev.hako.daemon.Daemon;
import dev.hako.daemon.StartupException;
import dev.hako.json.Json;
import dev.hako.log.Level;
import dev.hako.log.Log;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code hako} command: {@code daemon}, and the client commands ({@code version}, {@code info}, and
 * the pod, container and image commands of {@link PodCommands}, {@link LifecycleCommands} and
 * {@link ImageCommands}, {@link EventsCommand} and {@link StatsCommand}).
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
            Usage: hako COMMAND [OPTIONS]

            Commands:
              daemon    serve the CRI on the configured unix socket until SIGTERM/SIGINT
                          --config FILE       configuration (default /etc/hako/hako.toml, if present)
                          --log-level LEVEL   error, warn, info, debug or trace (overrides log_level)
              version   print the client's and the running daemon's versions
              info      print the daemon's status: conditions, runtime handlers, effective config
              pull REF  pull an image, showing progress per layer
                          --username USER --password PASS   registry credentials
              images [-q] [-o FORMAT]   list images (-q: IDs only)
              rmi REF...  remove images (by ID or unique ID prefix, tag or digest reference)
              inspecti REF...   status of images, as JSON (-o yaml for YAML)
              import FILE import the images of an OCI-layout or docker-save tar on this host
              run POD.yaml  create a pod and its containers from a YAML file (crictl's config fields),
                          pulling missing images   [--runtime-handler NAME]
              pods [-q] [-o FORMAT]     list pod sandboxes
              stopp POD...      stop pods (their containers, then the sandbox and network)
              rmp [-f] POD...   remove pods (-f: stop ready ones first; -a: all pods)
              inspectp POD...   status of pods with verbose info, as JSON (-o yaml for YAML)
              trace POD         where the pod's start-up time went: each CRI call and its phases (-o json)
              ps [-a] [-q] [-o FORMAT]  list running containers (all with -a)
                          --pod POD           of one pod (ID, unique prefix or name)
                          --state STATE       created, running, exited or unknown (implies -a)
                          --name REGEX        whose name matches   --label KEY=VALUE (repeatable)
                          --image IMAGE       created from this image (name, or image ID prefix)
              stop [-t SECONDS] ID...   stop containers: SIGTERM (or the image's stop signal), then SIGKILL
                          after the timeout (default 10, as docker stop; the kubelet gives the pod's
                          grace period, crictl 0; -a: all running containers)
              rm [-f] ID...     remove containers (-f: stop running ones first; -a: all containers)
              logs [-f] ID      print a container's log (follow with -f)
              exec ID -- CMD... run a command in a container and print its output (exit code = the command's)
              inspect ID...     status of containers (or else pods), as JSON (-o yaml for YAML)
              events [-o FORMAT]  follow the container and pod lifecycle events as they happen, a line each
                          (-o json: JSON Lines, one CRI ContainerEventResponse a line)
                          --pod POD           only this pod's (ID, prefix or name; pods still to come too)
                          --container ID      only this container's
              stats [ID...]     live CPU, memory and disk of running containers, like docker stats
                          --no-stream         print one sample and exit (so does a stdout that is no terminal)
                          -a                  non-running containers too   --pod POD   of one pod
                          -o FORMAT           with --no-stream: json or yaml, the CRI ListContainerStats response
              statsp [POD...]   the same for pods (CPU, memory, processes, network; -a: not-ready pods too)
              completion bash   print a bash completion script (source <(hako completion bash))
              config import-docker FILE   print a hako.toml fragment from Docker's daemon.json
                          (runtimes, default-runtime, registry-mirrors, insecure-registries; other keys warned about)

            Client commands (all but daemon) take:
                          --socket PATH       CRI socket to ask (default: from the config, /run/hako/hako.sock)
                          --config FILE       read the socket path from this configuration
            IDs: a full ID or any unique prefix of one (as ps, pods and images print them).
            FORMAT (-o, --output): table (the default), json or yaml; the JSON and YAML hold every field.
            """;

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(Arrays.asList(argv), System.out, System.err));
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || Set.of("-h", "--help", "help").contains(argv.getFirst())) {
            (argv.isEmpty() ? err : out).print(USAGE_TEXT);
            return argv.isEmpty() ? USAGE : OK;
        }
        List<String> rest = argv.subList(1, argv.size());
        Set<String> client = Set.of("config", "socket");
        Set<String> listing = Set.of("config", "socket", "output", "o");
        Set<String> inspecting = listing;
        try {
            return switch (argv.getFirst()) {
                case "daemon" -> daemon(noPositional(Args.parse(rest, Set.of("config", "log-level"))), err);
                case "version" -> version(noPositional(Args.parse(rest, client)), out, err);
                case "info" -> info(noPositional(Args.parse(rest, client)), out, err);
                case "pull" -> {
                    Args a = Args.parse(rest, Set.of("config", "socket", "username", "password"));
                    String ref = a.exactly(1, "one image reference").getFirst();
                    yield withClient(a, err, c -> ImageCommands.pull(c, ref, a.get("username"), a.get("password"), out));
                }
                case "images" -> {
                    Args a = noPositional(Args.parse(rest, listing, Set.of("q", "quiet")));
                    Output format = Output.of(a, Output.TABLE, Output.values());
                    yield withClient(a, err, c -> ImageCommands.images(c, format, a.flag("q", "quiet"), out));
                }
                case "rmi" -> {
                    Args a = Args.parse(rest, client);
                    List<String> refs = a.atLeastOne("one or more image references or IDs");
                    yield withClientStatus(a, err, c -> ImageCommands.rmi(c, refs, out, err));
                }
                case "inspecti" -> {
                    Args a = Args.parse(rest, inspecting);
                    List<String> refs = a.atLeastOne("one or more image references or IDs");
                    Output format = Output.of(a, Output.JSON, Output.JSON, Output.YAML);
                    yield withClientStatus(a, err, c -> ImageCommands.inspecti(c, refs, format, out, err));
                }
                case "run" -> {
                    Args a = Args.parse(rest, Set.of("config", "socket", "runtime-handler"));
                    Path file = Path.of(a.exactly(1, "one pod file").getFirst());
                    yield withClient(a, err, c -> {
                        try {
                            PodCommands.run(c, file, a.get("runtime-handler"), out);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
                case "pods" -> {
                    Args a = noPositional(Args.parse(rest, listing, Set.of("q", "quiet")));
                    Output format = Output.of(a, Output.TABLE, Output.values());
                    yield withClient(a, err, c -> PodCommands.pods(c, format, a.flag("q", "quiet"), out));
                }
                case "stopp" -> {
                    Args a = Args.parse(rest, client);
                    List<String> ids = a.atLeastOne("one or more pod IDs");
                    yield withClientStatus(a, err, c -> LifecycleCommands.stopp(c, ids, out, err));
                }
                case "rmp" -> {
                    Args a = Args.parse(rest, client, Set.of("f", "force", "a", "all"));
                    List<String> ids = idsOrAll(a, "pod");
                    yield withClientStatus(a, err, c -> LifecycleCommands.rmp(c, ids, a.flag("a", "all"),
                            a.flag("f", "force"), out, err));
                }
                case "inspectp" -> {
                    Args a = Args.parse(rest, inspecting);
                    List<String> ids = a.atLeastOne("one or more pod IDs");
                    Output format = Output.of(a, Output.JSON, Output.JSON, Output.YAML);
                    yield withClientStatus(a, err, c -> PodCommands.inspectp(c, ids, format, out, err));
                }
                case "ps" -> {
                    Args a = noPositional(Args.parse(rest, Set.of("config", "socket", "output", "o", "pod", "p",
                            "state", "s", "name", "label", "image"), Set.of("a", "all", "q", "quiet")));
                    Output format = Output.of(a, Output.TABLE, Output.values());
                    PsFilter filter = PsFilter.parse(a);
                    yield withClient(a, err, c -> PodCommands.ps(c, filter.pod() == null ? filter
                            : filter.withPods(new Ids(c).pods()), format, a.flag("q", "quiet"), out));
                }
                case "stop" -> {
                    Args a = Args.parse(rest, Set.of("config", "socket", "timeout", "t"), Set.of("a", "all"));
                    List<String> ids = idsOrAll(a, "container");
                    long timeout = seconds(a.first("timeout", "t"), 10);
                    yield withClientStatus(a, err, c -> LifecycleCommands.stop(c, ids, a.flag("a", "all"), timeout, out, err));
                }
                case "rm" -> {
                    Args a = Args.parse(rest, client, Set.of("f", "force", "a", "all"));
                    List<String> ids = idsOrAll(a, "container");
                    yield withClientStatus(a, err, c -> LifecycleCommands.rm(c, ids, a.flag("a", "all"),
                            a.flag("f", "force"), out, err));
                }
                case "logs" -> {
                    Args a = Args.parse(rest, client, Set.of("f", "follow"));
                    String id = a.exactly(1, "one container id").getFirst();
                    yield withClient(a, err, c -> {
                        try {
                            PodCommands.logs(c, id, a.flag("f", "follow"), out);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                case "exec" -> {
                    Args a = Args.parse(rest, client);
                    List<String> p = a.positional();
                    if (p.size() < 2) {
                        throw new Args.UsageException("expected a container id and a command: hako exec ID -- CMD...");
                    }
                    int[] code = {0};
                    int rc = withClient(a, err, c -> code[0] = PodCommands.exec(c, p.getFirst(), p.subList(1, p.size()), out, err));
                    yield rc != OK ? rc : code[0];
                }
                case "inspect" -> {
                    Args a = Args.parse(rest, inspecting);
                    List<String> ids = a.atLeastOne("one or more container or pod IDs");
                    Output format = Output.of(a, Output.JSON, Output.JSON, Output.YAML);
                    yield withClientStatus(a, err, c -> PodCommands.inspect(c, ids, format, out, err));
                }
                case "events" -> {
                    Args a = noPositional(Args.parse(rest, Set.of("config", "socket", "output", "o", "pod", "container")));
                    Output format = Output.of(a, Output.TABLE, Output.values());
                    yield withClientStatus(a, err, c -> {
                        Ids ids = new Ids(c);
                        return new EventsCommand(format, EventsCommand.filter(ids::pods, ids::containers, a.get("pod"),
                                a.get("container"))).follow(c, out, err);
                    });
                }
                case "stats", "statsp" -> {
                    boolean pods = argv.getFirst().equals("statsp");
                    Args a = Args.parse(rest, Set.of("config", "socket", "output", "o", "pod", "p"),
                            Set.of("a", "all", "no-stream"));
                    Output format = Output.of(a, Output.TABLE, Output.values());
                    boolean live = !a.flag("no-stream") && PullProgress.stdoutIsTerminal(System.getenv("TERM"));
                    if (live && format != Output.TABLE) {
                        throw new Args.UsageException("-o " + format.name().toLowerCase(java.util.Locale.ROOT)
                                + " prints one sample: add --no-stream");
                    }
                    yield withClient(a, err, c -> {
                        StatsCommand stats = new StatsCommand(c, StatsCommand.select(new Ids(c), a.positional(),
                                a.first("pod", "p"), a.flag("a", "all"), pods), pods);
                        if (live) {
                            stats.live(out);
                        } else {
                            stats.once(format, out);
                        }
                    });
                }
                case "trace" -> {
                    Args a = Args.parse(rest, inspecting);
                    String pod = a.exactly(1, "one pod (ID, prefix or name)").getFirst();
                    Output format = Output.of(a, Output.TABLE, Output.TABLE, Output.JSON);
                    yield withClientStatus(a, err, c -> TraceCommand.trace(c, pod, format, out, err));
                }
                case "completion" -> {
                    if (rest.size() != 1 || !rest.getFirst().equals("bash")) {
                        throw new Args.UsageException("usage: hako completion bash");
                    }
                    out.print(Completion.bash());
                    yield OK;
                }
                case "import" -> {
                    Args a = Args.parse(rest, client);
                    Path file = Path.of(a.exactly(1, "one tar file").getFirst());
                    yield withClient(a, err, c -> ImageCommands.importTar(c, file, out));
                }
                case "config" -> {
                    if (rest.size() != 2 || !rest.getFirst().equals("import-docker")) {
                        throw new Args.UsageException("usage: hako config import-docker FILE");
                    }
                    Path file = Path.of(rest.get(1));
                    try {
                        out.print(DockerImport.toToml(java.nio.file.Files.readString(file), err));
                        yield OK;
                    } catch (java.io.IOException | IllegalArgumentException e) {
                        err.println("hako: " + file + ": " + e.getMessage());
                        yield FAILED;
                    }
                }
                case "--version" -> {
                    out.println(BuildInfo.NAME + " " + BuildInfo.VERSION);
                    yield OK;
                }
                default -> throw new Args.UsageException("unknown command \"" + argv.getFirst() + "\"");
            };
        } catch (Args.UsageException e) {
            err.println("hako: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
    }

    /** The IDs given, or none with {@code -a}/{@code --all} (not both). */
    private static List<String> idsOrAll(Args a, String kind) throws Args.UsageException {
        if (a.flag("a", "all")) {
            if (!a.positional().isEmpty()) {
                throw new Args.UsageException("give " + kind + " IDs or --all, not both");
            }
            return List.of();
        }
        return a.atLeastOne("one or more " + kind + " IDs (or --all)");
    }

    private static long seconds(String value, long fallback) throws Args.UsageException {
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value.endsWith("s") ? value.substring(0, value.length() - 1) : value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the usage error below
        }
        throw new Args.UsageException("--timeout: \"" + value + "\" is not a number of seconds (0 or more)");
    }

    private static Args noPositional(Args a) throws Args.UsageException {
        if (!a.positional().isEmpty()) {
            throw new Args.UsageException("unexpected argument \"" + a.positional().getFirst() + "\"");
        }
        return a;
    }

    private static int daemon(Args args, PrintStream err) {
        Log.captureJavaUtilLogging();
        HakoConfig config;
        try {
            config = loadConfig(args);
            String flag = args.get("log-level");
            if (flag != null) {
                Level level = Level.parse(flag);
                if (level == null) {
                    throw new ConfigException("--log-level: \"" + flag + "\" is not one of " + Level.names());
                }
                config = config.withLogLevel(level);
            }
        } catch (ConfigException e) {
            err.println("hako: invalid configuration: " + e.getMessage());
            return StartupException.CONFIG_ERROR;
        }
        Log.setLevel(config.logLevel());
        try {
            new Daemon(config).run();
            return OK;
        } catch (StartupException e) {
            err.println("hako: " + e.getMessage());
            return e.exitCode();
        }
    }

    private static HakoConfig loadConfig(Args args) throws ConfigException {
        String file = args.get("config");
        return ConfigLoader.load(file == null ? null : Path.of(file));
    }

    /** The socket a client command talks to: --socket, else the configured one, else the default. */
    private static Path clientSocket(Args args) throws ConfigException {
        String socket = args.get("socket");
        return socket != null ? Path.of(socket) : loadConfig(args).socket();
    }

    private static int version(Args args, PrintStream out, PrintStream err) {
        out.println("Client:");
        out.println("  Version:        " + BuildInfo.VERSION);
        return withClient(args, err, client -> {
            VersionResponse v = client.runtime().version(VersionRequest.newBuilder().setVersion("v1").build());
            out.println("Server:");
            out.println("  RuntimeName:    " + v.getRuntimeName());
            out.println("  RuntimeVersion: " + v.getRuntimeVersion());
            out.println("  RuntimeApiVersion: " + v.getRuntimeApiVersion());
        });
    }

    private static int info(Args args, PrintStream out, PrintStream err) {
        return withClient(args, err, client -> {
            StatusResponse s = client.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
            out.println("Conditions:");
            for (RuntimeCondition c : s.getStatus().getConditionsList()) {
                out.printf("  %-13s %-5s %s%s%n", c.getType(), c.getStatus(), c.getReason(),
                        c.getMessage().isEmpty() ? "" : ": " + c.getMessage());
            }
            out.println("Runtime handlers:");
            for (RuntimeHandler h : s.getRuntimeHandlersList()) {
                out.printf("  %-13s recursive_read_only_mounts=%s user_namespaces=%s%n",
                        h.getName().isEmpty() ? "\"\" (default)" : h.getName(),
                        h.getFeatures().getRecursiveReadOnlyMounts(), h.getFeatures().getUserNamespaces());
            }
            for (Map.Entry<String, String> e : new TreeMap<>(s.getInfoMap()).entrySet()) {
                out.println(e.getKey() + ":");
                out.println(Json.pretty(e.getValue()).indent(2).stripTrailing());
            }
        });
    }

    private interface ClientAction {
        void run(CriClient client);
    }

    private interface ClientCommand {
        /** Whether it succeeded for every ID (the failures already reported). */
        boolean run(CriClient client);
    }

    /** As {@link #withClient}, for commands on several IDs that report their own failures: 1 when any failed. */
    private static int withClientStatus(Args args, PrintStream err, ClientCommand command) {
        boolean[] ok = {true};
        int rc = withClient(args, err, c -> ok[0] = command.run(c));
        return rc != OK ? rc : ok[0] ? OK : FAILED;
    }

    private static int withClient(Args args, PrintStream err, ClientAction action) {
        Path socket;
        try {
            socket = clientSocket(args);
        } catch (ConfigException e) {
            err.println("hako: invalid configuration: " + e.getMessage());
            return USAGE;
        }
        try (CriClient client = new CriClient(socket)) {
            action.run(client);
            return OK;
        } catch (StatusRuntimeException e) {
            err.println("hako: " + socket + ": " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return FAILED;
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            err.println("hako: " + e.getMessage());
            return FAILED;
        }
    }
}
