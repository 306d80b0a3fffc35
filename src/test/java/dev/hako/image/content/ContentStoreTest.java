package dev.hako.image.content;

import static dev.hako.testing.Modes.mode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.spec.Digest;
import dev.hako.testing.TempDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The verified blob store on real files: a blob on disk is complete and correct, or absent. */
class ContentStoreTest {
    private static final byte[] DATA = "a layer, or a manifest".getBytes(StandardCharsets.UTF_8);
    private static final Digest DIGEST = Digest.sha256(DATA);

    private Path root;
    private ContentStore store;

    @BeforeEach
    void setUp() throws Exception {
        root = TempDirs.create("hako-content-");
        store = new ContentStore(root);
    }

    @AfterEach
    void tearDown() {
        TempDirs.delete(root);
    }

    private Path ingestDir() {
        return root.resolve("content/ingest");
    }

    private long ingestFiles() throws Exception {
        try (var files = Files.list(ingestDir())) {
            return files.count();
        }
    }

    @Test
    void aPutBlobIsReadBackVerifiedAndCounted() throws Exception {
        store.put(DATA, DIGEST);
        store.put(DATA, DIGEST); // already there: nothing to do

        assertThat(store.has(DIGEST)).isTrue();
        assertThat(store.path(DIGEST)).isEqualTo(root.resolve("content/blobs/sha256/" + DIGEST.hex()));
        assertThat(store.size(DIGEST)).isEqualTo(DATA.length);
        assertThat(store.read(DIGEST)).isEqualTo(DATA);
        assertThat(store.list()).containsExactly(DIGEST);
        assertThat(store.usage()).isEqualTo(new ContentStore.Usage(DATA.length, 1));
        assertThat(ingestFiles()).isZero();
    }

    @Test
    void theStoreIsPrivate() throws Exception {
        assertThat(mode(root.resolve("content"))).isEqualTo(0700);
    }

    @Test
    void aStreamedBlobCommitsOnlyWhenSizeAndDigestMatch() throws Exception {
        try (ContentStore.Ingest in = store.begin()) {
            in.write(DATA, 0, 5);
            in.write(DATA[5]);
            in.write(DATA, 6, DATA.length - 6);
            assertThat(in.written()).isEqualTo(DATA.length);
            in.commit(DIGEST, DATA.length);
        }
        assertThat(store.read(DIGEST)).isEqualTo(DATA);
    }

    @Test
    void aWrongSizeIsDataLossAndLeavesNothing() throws Exception {
        try (ContentStore.Ingest in = store.begin()) {
            in.write(DATA);
            assertThatThrownBy(() -> in.commit(DIGEST, DATA.length + 1))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DATA_LOSS))
                    .hasMessage("blob " + DIGEST + ": expected " + (DATA.length + 1) + " bytes, received " + DATA.length);
        }
        assertThat(store.has(DIGEST)).isFalse();
        assertThat(ingestFiles()).isZero();
    }

    @Test
    void aWrongDigestIsDataLossAndLeavesNothing() throws Exception {
        Digest other = Digest.sha256(new byte[] {1});
        try (ContentStore.Ingest in = store.begin()) {
            in.write(DATA);
            assertThatThrownBy(() -> in.commit(other, -1))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DATA_LOSS))
                    .hasMessage("blob digest mismatch: expected " + other + ", received content with digest " + DIGEST);
        }
        assertThat(store.has(other)).isFalse();
        assertThat(store.list()).isEmpty();
        assertThat(ingestFiles()).isZero();
    }

    @Test
    void anAbandonedIngestIsRemovedOnClose() throws Exception {
        try (ContentStore.Ingest in = store.begin()) {
            in.write(DATA);
            assertThat(ingestFiles()).isOne();
        }
        assertThat(ingestFiles()).isZero();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void aCorruptBlobIsDataLossAndAMissingOneNotFound() throws Exception {
        store.put(DATA, DIGEST);
        Files.write(store.path(DIGEST), "bit rot".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.read(DIGEST))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DATA_LOSS))
                .hasMessage("content " + DIGEST + " on disk is corrupt");

        store.delete(DIGEST);
        store.delete(DIGEST); // deleting what is gone is quiet
        assertThat(store.has(DIGEST)).isFalse();
        assertThat(store.size(DIGEST)).isEqualTo(-1);
        assertThatThrownBy(() -> store.read(DIGEST))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
                .hasMessage("content " + DIGEST + " is not in the store");
    }

    @Test
    void filesThatAreNotBlobsAreNotListed() throws Exception {
        store.put(DATA, DIGEST);
        Files.writeString(root.resolve("content/blobs/sha256/notes.txt"), "not a digest");
        assertThat(store.list()).containsExactly(DIGEST);
    }

    @Test
    void startUpRemovesWhatACrashLeftInIngest() throws Exception {
        // a half-written blob and an import's scratch directory with files in it, as a kill -9 leaves them
        Files.write(ingestDir().resolve("0b9f3c1e-half-written"), DATA);
        Path scratch = store.scratchDir("import-1");
        assertThat(scratch.getParent()).isEqualTo(ingestDir());
        Files.createDirectories(scratch.resolve("blobs/sha256"));
        Files.write(scratch.resolve("blobs/sha256/x"), DATA);
        store.put(DATA, DIGEST);

        assertThat(store.cleanupIngest()).isEqualTo(2);
        assertThat(ingestFiles()).isZero();
        assertThat(store.has(DIGEST)).isTrue();
        assertThat(store.cleanupIngest()).isZero();
    }

    @Test
    void reopeningKeepsTheBlobs() {
        store.put(DATA, DIGEST);
        ContentStore again = new ContentStore(root);
        assertThat(again.read(DIGEST)).isEqualTo(DATA);
    }
}
