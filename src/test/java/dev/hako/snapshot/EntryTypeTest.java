package dev.hako.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EntryTypeTest {
    @Test
    void posixTypeFlags() {
        assertThat(EntryType.of((byte) '0', "f")).isEqualTo(EntryType.FILE);
        assertThat(EntryType.of((byte) '7', "f")).isEqualTo(EntryType.FILE);
        assertThat(EntryType.of((byte) '1', "l")).isEqualTo(EntryType.HARDLINK);
        assertThat(EntryType.of((byte) '2', "l")).isEqualTo(EntryType.SYMLINK);
        assertThat(EntryType.of((byte) '3', "c")).isEqualTo(EntryType.CHAR);
        assertThat(EntryType.of((byte) '4', "b")).isEqualTo(EntryType.BLOCK);
        assertThat(EntryType.of((byte) '5', "d")).isEqualTo(EntryType.DIR);
        assertThat(EntryType.of((byte) '6', "p")).isEqualTo(EntryType.FIFO);
    }

    @Test
    void preposixEntriesAreDirectoriesByTheirSlash() {
        assertThat(EntryType.of((byte) 0, "etc/")).isEqualTo(EntryType.DIR);
        assertThat(EntryType.of((byte) 0, "etc/passwd")).isEqualTo(EntryType.FILE);
    }

    @Test
    void otherFlagsAreNotSupported() {
        assertThat(EntryType.of((byte) 'S', "sparse")).isNull();
        assertThat(EntryType.of((byte) 'V', "volume")).isNull();
    }
}
