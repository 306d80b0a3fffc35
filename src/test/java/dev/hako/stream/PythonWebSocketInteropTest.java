package dev.hako.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.StreamSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another WebSocket implementation (Debian's python3-websocket) against our server, to catch shared mistakes. */
class PythonWebSocketInteropTest {
    private static final String PYTHON = "/usr/bin/python3";

    private static final String CLIENT = """
            import json, sys, websocket
            websocket.enableTrace(False)
            ws = websocket.create_connection(sys.argv[1], subprotocols=["v4.channel.k8s.io"])
            assert ws.subprotocol == "v4.channel.k8s.io", ws.subprotocol
            ws.send_binary(b"\\x00" + b"from python\\n")
            out, status = b"", None
            while True:
                try:
                    op, data = ws.recv_data()
                except websocket.WebSocketConnectionClosedException:
                    break
                if op == websocket.ABNF.OPCODE_CLOSE:
                    break
                if not data:
                    continue
                if data[0] == 1:
                    out += data[1:]
                elif data[0] == 3:
                    status = json.loads(data[1:])
            print(json.dumps({"stdout": out.decode(), "status": status}))
            """;

    @TempDir
    Path dir;

    @Test
    void pythonWebSocketClientExecs() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)), "skipped: " + PYTHON + " is not installed");
        Process probe = new ProcessBuilder(PYTHON, "-c", "import websocket").redirectErrorStream(true).start();
        Assumptions.assumeTrue(probe.waitFor() == 0,
                "skipped: the python3 websocket module is missing (apt-get install -y python3-websocket)");
        Path script = dir.resolve("client.py");
        Files.writeString(script, CLIENT);
        HostProcessBackend backend = new HostProcessBackend();
        try (StreamServer server = new StreamServer(new StreamSettings("127.0.0.1", 0), backend).start()) {
            // head -n1 ends on its own after one line: v4 has no way to close stdin
            String url = server.execUrl("c1", List.of("sh", "-c", "head -n1; exit 7"), false, true, true, false);
            Path log = dir.resolve("client.log");
            Process p = new ProcessBuilder(PYTHON, script.toString(), url.replaceFirst("^http", "ws"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean exited = p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly().waitFor();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(exited).as("python client finished; its output: " + output).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            assertThat(output).contains("\"stdout\": \"from python\\n\"")
                    .contains("\"reason\": \"NonZeroExitCode\"")
                    .contains("exit code 7");
        }
    }
}
