package dev.hako.image.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class Sha256Test {
    /** FIPS 180-2 / NIST examples. */
    private static final String[][] VECTORS = {
            {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
            {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
            {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
            {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };

    private static List<Supplier<Sha256>> implementations() {
        List<Supplier<Sha256>> out = new ArrayList<>();
        out.add(Sha256::jdk);
        if (Sha256.openSsl().isPresent()) {
            out.add(() -> Sha256.openSsl().orElseThrow());
        }
        return out;
    }

    @Test
    void libcryptoIsUsedWhereTheNodeHasIt() {
        assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"))
                || java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/aarch64-linux-gnu/libcrypto.so.3")));
        assertThat(Sha256.isNative()).isTrue();
        assertThat(Sha256.create()).isInstanceOf(Sha256.OpenSsl.class);
    }

    @Test
    void knownVectors() {
        for (Supplier<Sha256> impl : implementations()) {
            for (String[] v : VECTORS) {
                Sha256 d = impl.get();
                byte[] in = v[0].getBytes(StandardCharsets.US_ASCII);
                d.update(in, 0, in.length);
                assertThat(d.digest()).as(d.getClass().getSimpleName() + " of \"" + v[0] + "\"")
                        .isEqualTo(new Digest("sha256", v[1]));
            }
            Sha256 million = impl.get();
            byte[] a = "a".repeat(1000).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 1000; i++) {
                million.update(a, 0, a.length);
            }
            assertThat(HexFormat.of().formatHex(million.finish()))
                    .isEqualTo("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        }
    }

    @Test
    void equalsMessageDigestOnRandomDataInOddChunks() throws Exception {
        Random random = new Random(14);
        for (Supplier<Sha256> impl : implementations()) {
            for (int round = 0; round < 20; round++) {
                byte[] data = new byte[random.nextInt(300_000)];
                random.nextBytes(data);
                Sha256 d = impl.get();
                int pos = 0;
                while (pos < data.length) {
                    int n = Math.min(data.length - pos, switch (random.nextInt(4)) {
                        case 0 -> 1;
                        case 1 -> random.nextInt(64) + 1;
                        case 2 -> random.nextInt(4097);
                        default -> random.nextInt(131_073);
                    });
                    if (n == 1 && random.nextBoolean()) {
                        d.update(data[pos]);
                    } else {
                        d.update(data, pos, n); // an offset into the array, not only whole arrays
                    }
                    pos += n;
                }
                byte[] expected = MessageDigest.getInstance("SHA-256").digest(data);
                assertThat(d.finish()).as(d.getClass().getSimpleName() + ", " + data.length + " bytes")
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void boundsAreCheckedAndAFinishedDigestIsUsedUp() {
        for (Supplier<Sha256> impl : implementations()) {
            Sha256 d = impl.get();
            assertThatThrownBy(() -> d.update(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> d.update(new byte[4], -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
            d.update(new byte[4], 4, 0);
            assertThat(d.digest()).isEqualTo(new Digest("sha256", VECTORS[0][1]));
            if (d instanceof Sha256.OpenSsl) {
                assertThatThrownBy(() -> d.update(new byte[1], 0, 1)).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(d::finish).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void unfinishedDigestsAreFreedWhenDropped() {
        assumeTrue(Sha256.openSsl().isPresent());
        for (int i = 0; i < 100_000; i++) { // each holds an EVP_MD_CTX; the cleaner returns them
            Sha256.openSsl().orElseThrow().update(new byte[64], 0, 64);
        }
    }
}
