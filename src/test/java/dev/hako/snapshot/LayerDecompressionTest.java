package dev.hako.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.image.spec.MediaTypes.Compression;
import dev.hako.testing.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LayerDecompressionTest {
    private static byte[] read(byte[] data, Compression c) throws Exception {
        try (InputStream in = LayerDecompression.open(new ByteArrayInputStream(data), c)) {
            return in.readAllBytes();
        }
    }

    @Test
    void eachCompression() throws Exception {
        byte[] plain = "a layer's tar".getBytes(StandardCharsets.UTF_8);
        assertThat(read(plain, Compression.NONE)).isEqualTo(plain);
        assertThat(read(TarBuilder.gzip(plain), Compression.GZIP)).isEqualTo(plain);
        assertThat(read(TarBuilder.zstd(plain), Compression.ZSTD)).isEqualTo(plain);
    }

    @Test
    void gzipWithSeveralMembersIsReadWhole() throws Exception {
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(TarBuilder.gzip("first ".getBytes(StandardCharsets.UTF_8)));
        both.write(TarBuilder.gzip("second".getBytes(StandardCharsets.UTF_8)));
        assertThat(new String(read(both.toByteArray(), Compression.GZIP), StandardCharsets.UTF_8)).isEqualTo("first second");
    }
}
