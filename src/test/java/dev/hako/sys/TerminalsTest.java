package dev.hako.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TerminalsTest {
    @Test
    void resizeSetsTheWindowSizeOfAPtyMaster() throws Exception {
        int master = Terminals.openMaster();
        try {
            assertThat(Terminals.slaveName(master)).startsWith("/dev/pts/");
            assertThat(Files.exists(Path.of(Terminals.slaveName(master)))).isTrue();
            Terminals.resize(master, 24, 80);
            assertThat(Terminals.size(master)).isEqualTo(new Terminals.TerminalSize(24, 80));
            Terminals.resize(master, 50, 211);
            assertThat(Terminals.size(master)).isEqualTo(new Terminals.TerminalSize(50, 211));
        } finally {
            ProcCalls.close(master);
        }
    }

    @Test
    void resizeOfSomethingThatIsNoTerminalNamesTheError() throws Exception {
        Path file = Files.createTempFile("hako-not-a-tty", "");
        int fd = ProcCalls.open(file, ProcCalls.O_RDONLY);
        try {
            assertThatThrownBy(() -> Terminals.resize(fd, 24, 80))
                    .isInstanceOf(ErrnoException.class)
                    .hasMessageContaining("TIOCSWINSZ");
        } finally {
            ProcCalls.close(fd);
            Files.delete(file);
        }
        assertThatThrownBy(() -> Terminals.resize(fd, 70000, 80)).isInstanceOf(IllegalArgumentException.class);
    }
}
