package dev.hako.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code hako completion bash}: a bash completion script for the commands, their flags and, where an
 * ID goes, the IDs of the running daemon's containers, pods or images (asked with {@code hako ps -a -q}
 * and the like, with the {@code --socket}/{@code --config} already typed, at most 3 s).
 */
final class Completion {
    private Completion() {}

    /** What a command's positional arguments are. */
    enum Operand { NONE, CONTAINER, POD, CONTAINER_OR_POD, IMAGE, FILE, SHELL }

    record Command(String flags, Operand operand) {}

    private static final String CLIENT = "--socket --config";

    /** Every command the CLI has, with its flags; keep in step with Main's dispatch. */
    static final Map<String, Command> COMMANDS = commands();

    private static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        m.put("daemon", new Command("--config --log-level", Operand.NONE));
        m.put("version", new Command(CLIENT, Operand.NONE));
        m.put("info", new Command(CLIENT, Operand.NONE));
        m.put("pull", new Command(CLIENT + " --username --password", Operand.NONE));
        m.put("images", new Command(CLIENT + " --output -o --quiet -q", Operand.NONE));
        m.put("rmi", new Command(CLIENT, Operand.IMAGE));
        m.put("inspecti", new Command(CLIENT + " --output -o", Operand.IMAGE));
        m.put("import", new Command(CLIENT, Operand.FILE));
        m.put("run", new Command(CLIENT + " --runtime-handler", Operand.FILE));
        m.put("pods", new Command(CLIENT + " --output -o --quiet -q", Operand.NONE));
        m.put("stopp", new Command(CLIENT, Operand.POD));
        m.put("rmp", new Command(CLIENT + " --force -f --all -a", Operand.POD));
        m.put("inspectp", new Command(CLIENT + " --output -o", Operand.POD));
        m.put("trace", new Command(CLIENT + " --output -o", Operand.POD));
        m.put("ps", new Command(CLIENT + " --all -a --output -o --quiet -q --pod -p --state -s --name --label --image",
                Operand.NONE));
        m.put("stop", new Command(CLIENT + " --timeout -t --all -a", Operand.CONTAINER));
        m.put("rm", new Command(CLIENT + " --force -f --all -a", Operand.CONTAINER));
        m.put("logs", new Command(CLIENT + " --follow -f", Operand.CONTAINER));
        m.put("exec", new Command(CLIENT, Operand.CONTAINER));
        m.put("inspect", new Command(CLIENT + " --output -o", Operand.CONTAINER_OR_POD));
        m.put("events", new Command(CLIENT + " --output -o --pod --container", Operand.NONE));
        m.put("stats", new Command(CLIENT + " --output -o --all -a --no-stream --pod -p", Operand.CONTAINER));
        m.put("statsp", new Command(CLIENT + " --output -o --all -a --no-stream --pod -p", Operand.POD));
        m.put("config", new Command("", Operand.FILE));
        m.put("completion", new Command("", Operand.SHELL));
        return m;
    }

    static String bash() {
        StringBuilder flags = new StringBuilder();
        StringBuilder operands = new StringBuilder();
        for (Map.Entry<String, Command> e : COMMANDS.entrySet()) {
            flags.append("    ").append(e.getKey()).append(") flags=\"").append(e.getValue().flags()).append("\" ;;\n");
            String complete = switch (e.getValue().operand()) {
                case NONE -> null;
                case CONTAINER -> "_hako_ids ps -a";
                case POD -> "_hako_ids pods";
                case CONTAINER_OR_POD -> "_hako_ids ps -a; _hako_ids pods";
                case IMAGE -> "_hako_ids images";
                case FILE -> "compopt -o default; COMPREPLY=(); return";
                case SHELL -> "words=bash";
            };
            if (complete != null) {
                operands.append("    ").append(e.getKey()).append(") ").append(complete).append(" ;;\n");
            }
        }
        return """
                # bash completion for hako. Load it with:  source <(hako completion bash)
                # or install it:  hako completion bash > /etc/bash_completion.d/hako

                # IDs from the running daemon (full IDs, "sha256:" dropped), asked with the socket/config typed so far
                _hako_ids() {
                  local conn=() i
                  for ((i = 2; i < COMP_CWORD; i++)); do
                    case "${COMP_WORDS[i]}" in
                      --socket|--config) conn+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}") ;;
                    esac
                  done
                  local id
                  while read -r id; do
                    words+="${id#sha256:} "
                  done < <(timeout 3 "${COMP_WORDS[0]}" "$@" -q "${conn[@]}" 2>/dev/null)
                }

                _hako() {
                  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
                  local commands="%s"
                  if ((COMP_CWORD == 1)); then
                    COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
                    return
                  fi
                  local cmd="${COMP_WORDS[1]}" flags="" words=""
                  case "$prev" in
                    --socket|--config) compopt -o default; COMPREPLY=(); return ;;
                    --output|-o) COMPREPLY=($(compgen -W "table json yaml" -- "$cur")); return ;;
                    --log-level) COMPREPLY=($(compgen -W "error warn info debug trace" -- "$cur")); return ;;
                    --username|--password|--runtime-handler|--timeout|-t|--name|--label|--image) COMPREPLY=(); return ;;
                    --state|-s) COMPREPLY=($(compgen -W "created running exited unknown" -- "$cur")); return ;;
                    --pod|-p) _hako_ids pods; COMPREPLY=($(compgen -W "$words" -- "$cur")); return ;;
                    --container) _hako_ids ps -a; COMPREPLY=($(compgen -W "$words" -- "$cur")); return ;;
                  esac
                  case "$cmd" in
                %s  esac
                  if [[ "$cur" == -* ]]; then
                    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
                    return
                  fi
                  case "$cmd" in
                %s  esac
                  COMPREPLY=($(compgen -W "$words" -- "$cur"))
                }

                complete -F _hako hako
                """.formatted(String.join(" ", COMMANDS.keySet()), flags, operands);
    }
}
