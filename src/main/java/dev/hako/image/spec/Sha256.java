package dev.hako.image.spec;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * An incremental SHA-256, through OpenSSL's libcrypto when the node has it, else the JDK's
 * {@link MessageDigest}. Every pulled byte is hashed twice (blob and diff ID): libcrypto runs at
 * full speed (SHA extensions) from the first byte, where the JDK's version is interpreted until C2
 * has compiled it, which is what a freshly started daemon's first pull spends much of its time on.
 * Updates pass the caller's array to libcrypto in place (a critical downcall: no copy, and the
 * call only computes, so it never blocks a carrier). Not thread-safe, like MessageDigest.
 */
public abstract sealed class Sha256 permits Sha256.OpenSsl, Sha256.Jdk {
    Sha256() {}

    /** A fresh digest: libcrypto's when it could be loaded, the JDK's otherwise. */
    public static Sha256 create() {
        return OpenSsl.AVAILABLE ? new OpenSsl() : new Jdk();
    }

    /**
     * Loads libcrypto and links its functions in the background: that takes a cold JVM tens of
     * milliseconds, which a pull spends fetching its manifest instead of waiting for them.
     */
    public static void prepare() {
        Thread.ofVirtual().name("sha256-prepare").start(() -> {
            boolean ignored = OpenSsl.AVAILABLE;
        });
    }

    /** The JDK's implementation, whatever the node has (tests compare the two). */
    static Sha256 jdk() {
        return new Jdk();
    }

    /** libcrypto's implementation, or empty when it cannot be loaded here. */
    static Optional<Sha256> openSsl() {
        return OpenSsl.AVAILABLE ? Optional.of(new OpenSsl()) : Optional.empty();
    }

    /** Whether digests come from libcrypto. */
    public static boolean isNative() {
        return OpenSsl.AVAILABLE;
    }

    public abstract void update(byte[] b, int off, int len);

    public void update(byte b) {
        update(new byte[] {b}, 0, 1);
    }

    /** The 32-byte digest; the object is used up. */
    public abstract byte[] finish();

    /** The digest as {@code sha256:<hex>}; the object is used up. */
    public Digest digest() {
        return new Digest("sha256", HexFormat.of().formatHex(finish()));
    }

    static final class Jdk extends Sha256 {
        private final MessageDigest md = Digest.newSha256();

        @Override
        public void update(byte[] b, int off, int len) {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            md.update(b, off, len);
        }

        @Override
        public void update(byte b) {
            md.update(b);
        }

        @Override
        public byte[] finish() {
            return md.digest();
        }
    }

    static final class OpenSsl extends Sha256 {
        private static final Cleaner CLEANER = Cleaner.create(Thread.ofVirtual().factory());
        private static final boolean AVAILABLE;
        private static final MethodHandle CTX_NEW;
        private static final MethodHandle CTX_FREE;
        private static final MethodHandle INIT;
        private static final MethodHandle UPDATE;
        private static final MethodHandle FINAL;
        /** SHA256 fetched once: an init with EVP_sha256() would look the implementation up every time. */
        private static final MemorySegment MD;

        static {
            MethodHandle ctxNew = null, ctxFree = null, init = null, update = null, fin = null;
            MemorySegment md = MemorySegment.NULL;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup lib = SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
                ValueLayout.OfLong sizeT = ValueLayout.JAVA_LONG;
                ctxNew = linker.downcallHandle(find(lib, "EVP_MD_CTX_new"), FunctionDescriptor.of(ValueLayout.ADDRESS));
                ctxFree = linker.downcallHandle(find(lib, "EVP_MD_CTX_free"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
                init = linker.downcallHandle(find(lib, "EVP_DigestInit_ex2"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                // critical: the heap array goes to C as it is, and no safepoint waits for these few microseconds
                update = linker.downcallHandle(find(lib, "EVP_DigestUpdate"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, sizeT), Linker.Option.critical(true));
                fin = linker.downcallHandle(find(lib, "EVP_DigestFinal_ex"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS), Linker.Option.critical(true));
                MethodHandle fetch = linker.downcallHandle(find(lib, "EVP_MD_fetch"), FunctionDescriptor.of(
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                md = (MemorySegment) fetch.invokeExact(MemorySegment.NULL, Arena.global().allocateFrom("SHA256"),
                        MemorySegment.NULL);
            } catch (Throwable unavailable) {
                md = MemorySegment.NULL; // no libcrypto 3 here (or no SHA-256 in it): the JDK's digest it is
            }
            CTX_NEW = ctxNew;
            CTX_FREE = ctxFree;
            INIT = init;
            UPDATE = update;
            FINAL = fin;
            MD = md;
            AVAILABLE = !md.equals(MemorySegment.NULL) && selfTest();
        }

        private static MemorySegment find(SymbolLookup lib, String name) {
            return lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libcrypto has no " + name));
        }

        /** The FIPS 180-2 "abc" vector: a libcrypto that answers otherwise is not used. */
        private static boolean selfTest() {
            try {
                OpenSsl d = new OpenSsl();
                byte[] abc = {'a', 'b', 'c'};
                d.update(abc, 0, 3);
                return HexFormat.of().formatHex(d.finish())
                        .equals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            } catch (RuntimeException | Error e) {
                return false;
            }
        }

        /** Frees the context when the digest is finished, or when it is dropped unfinished (a failed pull). */
        private record Free(MemorySegment ctx) implements Runnable {
            @Override
            public void run() {
                try {
                    CTX_FREE.invokeExact(ctx);
                } catch (Throwable t) {
                    throw new IllegalStateException("EVP_MD_CTX_free failed", t);
                }
            }
        }

        private final MemorySegment ctx;
        private final Cleaner.Cleanable free;
        private boolean finished;

        private OpenSsl() {
            try {
                ctx = (MemorySegment) CTX_NEW.invokeExact();
                if (ctx.equals(MemorySegment.NULL)) {
                    throw new OutOfMemoryError("EVP_MD_CTX_new failed");
                }
                free = CLEANER.register(this, new Free(ctx));
                if ((int) INIT.invokeExact(ctx, MD, MemorySegment.NULL) != 1) {
                    free.clean();
                    throw new IllegalStateException("EVP_DigestInit_ex2(SHA256) failed");
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public void update(byte[] b, int off, int len) {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (finished) {
                throw new IllegalStateException("digest already finished");
            }
            if (len == 0) {
                return;
            }
            int r;
            try {
                r = (int) UPDATE.invokeExact(ctx, MemorySegment.ofArray(b).asSlice(off, len), (long) len);
            } catch (Throwable t) {
                throw new IllegalStateException("EVP_DigestUpdate failed", t);
            }
            if (r != 1) {
                throw new IllegalStateException("EVP_DigestUpdate failed");
            }
        }

        @Override
        public byte[] finish() {
            if (finished) {
                throw new IllegalStateException("digest already finished");
            }
            finished = true;
            byte[] out = new byte[32];
            try {
                int r = (int) FINAL.invokeExact(ctx, MemorySegment.ofArray(out), MemorySegment.NULL);
                if (r != 1) {
                    throw new IllegalStateException("EVP_DigestFinal_ex failed");
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            } finally {
                free.clean();
            }
            return out;
        }
    }
}
