package dev.hako.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import java.util.List;
import org.junit.jupiter.api.Test;

class WhiteoutsTest {
    @Test
    void opaqueMarker() {
        assertThat(Whiteouts.isWhiteout(".wh..wh..opq")).isTrue();
        assertThat(Whiteouts.action(".wh..wh..opq", "d/.wh..wh..opq")).isInstanceOf(Whiteouts.Opaque.class);
    }

    @Test
    void otherAufsMetadataIsIgnored() {
        assertThat(Whiteouts.action(".wh..wh.plnk", "e")).isInstanceOf(Whiteouts.Ignore.class);
        assertThat(Whiteouts.action(".wh..wh.aufs", "e")).isInstanceOf(Whiteouts.Ignore.class);
    }

    @Test
    void hidesTheNameAfterThePrefix() {
        assertThat(Whiteouts.action(".wh.passwd", "etc/.wh.passwd")).isEqualTo(new Whiteouts.Hide("passwd"));
        assertThat(Whiteouts.action(".wh..hidden", "e")).isEqualTo(new Whiteouts.Hide(".hidden"));
        assertThat(Whiteouts.isWhiteout("passwd")).isFalse();
        assertThat(Whiteouts.isWhiteout(".whx")).isFalse();
    }

    @Test
    void rejectsWhiteoutsOfNothingOrOfDots() {
        for (String bad : List.of(".wh.", ".wh..", ".wh...")) {
            assertThatThrownBy(() -> Whiteouts.action(bad, "d/" + bad))
                    .isInstanceOf(HakoException.class)
                    .hasMessage("layer entry \"d/" + bad + "\": a whiteout of \"" + bad.substring(4) + "\" is not valid");
        }
    }

    @Test
    void entriesBelowAufsMetadataAreSkipped() {
        assertThat(Whiteouts.insideMetadata(List.of(".wh..wh.plnk", "123.456"), "e")).isTrue();
        assertThat(Whiteouts.insideMetadata(List.of("etc", "passwd"), "e")).isFalse();
        // the last component is the entry itself, not a directory
        assertThat(Whiteouts.insideMetadata(List.of("etc", ".wh.passwd"), "e")).isFalse();
    }

    @Test
    void aWhiteoutUsedAsADirectoryIsRejected() {
        assertThatThrownBy(() -> Whiteouts.insideMetadata(List.of("etc", ".wh.x", "y"), "etc/.wh.x/y"))
                .isInstanceOf(HakoException.class)
                .hasMessage("layer entry \"etc/.wh.x/y\": a whiteout is used as a directory");
    }
}
