package dev.hako.testing.registry;

import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority made with the openssl CLI (the JDK has no public API to
 * issue certificates). Its files live in a temporary directory removed when the JVM exits.
 */
public final class TestCa {
    /** A certificate issued by this CA and its unencrypted PKCS#8 key, both PEM. */
    public record Issued(Path certPem, Path keyPem) {
        public PrivateKey privateKey() {
            try {
                return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pemBody(keyPem)));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("cannot read " + keyPem, e);
            }
        }

        public byte[] certDer() {
            return pemBody(certPem);
        }
    }

    private final Path dir;
    private final Path caCert;
    private final Path caKey;
    private final AtomicInteger serial = new AtomicInteger(1);

    private TestCa(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.pem");
        this.caKey = dir.resolve("ca.key");
    }

    public static TestCa create() {
        try {
            Path dir = TempDirs.create("hako-ca-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TempDirs.delete(dir)));
            TestCa ca = new TestCa(dir);
            Files.writeString(dir.resolve("ca.cnf"), """
                    [req]
                    distinguished_name = dn
                    prompt = no
                    x509_extensions = v3
                    [dn]
                    CN = Hako test CA
                    [v3]
                    basicConstraints = critical,CA:TRUE
                    keyUsage = critical,keyCertSign,cRLSign,digitalSignature
                    subjectKeyIdentifier = hash
                    """);
            openssl(dir, "req", "-x509", "-config", "ca.cnf", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                    "-out", "ca.pem", "-days", "3");
            return ca;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path caCertPem() {
        return caCert;
    }

    /** A TLS server certificate for 127.0.0.1 (IP SAN) and localhost. */
    public Issued issueServerCert() {
        return issue("127.0.0.1", "subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n");
    }

    /** A leaf certificate for signing (e.g. registry tokens), without names. */
    public Issued issueSigningCert(String commonName) {
        return issue(commonName, "");
    }

    private Issued issue(String commonName, String extraExtensions) {
        int n = serial.incrementAndGet();
        String name = "leaf-" + n;
        try {
            Files.writeString(dir.resolve(name + ".cnf"), "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = "
                    + commonName + "\n");
            Files.writeString(dir.resolve(name + ".ext"), "[v3]\nbasicConstraints = CA:FALSE\n"
                    + "keyUsage = critical,digitalSignature,keyEncipherment\n"
                    + "authorityKeyIdentifier = keyid\n" + extraExtensions);
            openssl(dir, "req", "-new", "-config", name + ".cnf", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    name + ".key", "-out", name + ".csr");
            openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
                    Integer.toString(n), "-days", "3", "-extfile", name + ".ext", "-extensions", "v3", "-out", name + ".pem");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Issued(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
    }

    /** An SSLContext that trusts exactly this CA, for test clients. */
    public SSLContext sslContext() {
        try (InputStream in = Files.newInputStream(caCert)) {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an SSLContext for the test CA", e);
        }
    }

    static byte[] pemBody(Path pem) {
        try {
            StringBuilder b64 = new StringBuilder();
            boolean inside = false;
            for (String line : Files.readAllLines(pem, StandardCharsets.US_ASCII)) {
                if (line.startsWith("-----BEGIN")) {
                    inside = true;
                } else if (line.startsWith("-----END")) {
                    break;
                } else if (inside) {
                    b64.append(line.strip());
                }
            }
            return Base64.getDecoder().decode(b64.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
