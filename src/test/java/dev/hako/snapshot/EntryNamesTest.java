package dev.hako.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryNamesTest {
    @Test
    void dropsEmptyAndDotComponents() {
        assertThat(EntryNames.split("./usr//bin/./sh", "e", "the name")).containsExactly("usr", "bin", "sh");
        assertThat(EntryNames.split("etc/", "e", "the name")).containsExactly("etc");
        assertThat(EntryNames.split("./", "e", "the name")).isEmpty();
        assertThat(EntryNames.split(".", "e", "the name")).isEmpty();
    }

    @Test
    void rejectsAbsoluteNames() {
        assertThatThrownBy(() -> EntryNames.split("/etc/passwd", "/etc/passwd", "the name"))
                .isInstanceOfSatisfying(HakoException.class,
                        e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                .hasMessage("layer entry \"/etc/passwd\": the name is an absolute path");
    }

    @Test
    void rejectsDotDotAnywhere() {
        assertThatThrownBy(() -> EntryNames.split("a/../../etc", "link", "the hard link target \"a/../../etc\""))
                .isInstanceOf(HakoException.class)
                .hasMessage("layer entry \"link\": the hard link target \"a/../../etc\" has a \"..\" component");
        // a name that merely starts with dots is an ordinary name
        assertThat(EntryNames.split("..data/...", "e", "the name")).containsExactly("..data", "...");
    }

    @Test
    void joinsLeadingComponents() {
        List<String> parts = List.of("usr", "lib", "x.so");
        assertThat(EntryNames.join(parts, 0)).isEmpty();
        assertThat(EntryNames.join(parts, 1)).isEqualTo("usr");
        assertThat(EntryNames.join(parts, 3)).isEqualTo("usr/lib/x.so");
    }
}
