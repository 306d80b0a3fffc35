#!/usr/bin/env python3
"""mkimage.py: builds a tiny OCI image from this host's static binaries and pushes it to a registry
through the distribution HTTP API (no other tool needed; no network beyond the given registry).

  mkimage.py --registry http://127.0.0.1:5000 --repo library/busybox --tag 1.36 [--kind busybox|pause]
             [--label KEY=VALUE] [--user U --password P]

busybox: Debian's static /bin/busybox with a symlink per applet in /bin, /etc/passwd and /etc/group
(root, nobody, user 1000), /tmp (1777) and the usual empty mount points; Cmd ["sh"].
pause:   Debian's static catatonit as /pause, Entrypoint ["/pause", "-P"] (waits, exits on SIGTERM):
         the sandbox image containerd needs.
Layers are built deterministically (fixed mtimes), so the same input gives the same digests; --label
changes only the config (a distinct image sharing the layer).
"""
import argparse, base64, gzip, hashlib, io, json, os, subprocess, sys, tarfile, urllib.request, urllib.error

MTIME = 1700000000


def add_dir(tar, name, mode=0o755):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = mode
    ti.mtime = MTIME
    tar.addfile(ti)


def add_file(tar, name, data, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = mode
    ti.mtime = MTIME
    tar.addfile(ti, io.BytesIO(data))


def add_symlink(tar, name, target):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.SYMTYPE
    ti.linkname = target
    ti.mode = 0o777
    ti.mtime = MTIME
    tar.addfile(ti)


def layer(kind):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in ("bin", "dev", "etc", "proc", "sys", "root", "home", "var", "run", "usr", "usr/bin", "www"):
            add_dir(tar, d, 0o700 if d == "root" else 0o755)
        add_dir(tar, "tmp", 0o1777)
        if kind == "pause":
            add_file(tar, "pause", open("/usr/bin/catatonit", "rb").read(), 0o755)
        else:
            add_file(tar, "bin/busybox", open("/bin/busybox", "rb").read(), 0o755)
            applets = subprocess.run(["/bin/busybox", "--list"], check=True, capture_output=True, text=True).stdout.split()
            for a in sorted(set(applets)):
                if a != "busybox" and "/" not in a:
                    add_symlink(tar, "bin/" + a, "busybox")
            add_file(tar, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                                        b"user:x:1000:1000:user:/home:/bin/sh\n")
            add_file(tar, "etc/group", b"root:x:0:\nnogroup:x:65534:\nuser:x:1000:\n")
            add_file(tar, "www/index.html", b"hello from the e2e image\n")
    data = raw.getvalue()
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
        g.write(data)
    return gz.getvalue(), diff_id


class Registry:
    def __init__(self, base, user=None, password=None):
        self.base = base.rstrip("/")
        self.auth = None
        if user:
            self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        # never go through a proxy: the registry is on loopback
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def req(self, method, url, data=None, headers=None):
        if not url.startswith("http"):
            url = self.base + url
        h = dict(headers or {})
        if self.auth:
            h["Authorization"] = self.auth
        r = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with self.opener.open(r, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def push_blob(self, repo, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        st, _, _ = self.req("HEAD", f"/v2/{repo}/blobs/{digest}")
        if st == 200:
            return digest
        st, hdr, body = self.req("POST", f"/v2/{repo}/blobs/uploads/")
        if st != 202:
            sys.exit(f"mkimage: upload start for {repo}: HTTP {st} {body[:200]!r}")
        loc = hdr.get("Location") or hdr.get("location")
        if not loc.startswith("http"):
            loc = self.base + loc
        loc += ("&" if "?" in loc else "?") + "digest=" + digest
        st, _, body = self.req("PUT", loc, data, {"Content-Type": "application/octet-stream"})
        if st != 201:
            sys.exit(f"mkimage: blob upload for {repo}: HTTP {st} {body[:200]!r}")
        return digest

    def push_manifest(self, repo, tag, manifest):
        data = json.dumps(manifest, separators=(",", ":")).encode()
        st, _, body = self.req("PUT", f"/v2/{repo}/manifests/{tag}", data,
                               {"Content-Type": manifest["mediaType"]})
        if st != 201:
            sys.exit(f"mkimage: manifest push {repo}:{tag}: HTTP {st} {body[:300]!r}")
        return "sha256:" + hashlib.sha256(data).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--registry", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--kind", default="busybox", choices=["busybox", "pause"])
    ap.add_argument("--label", action="append", default=[])
    ap.add_argument("--user")
    ap.add_argument("--password")
    a = ap.parse_args()
    reg = Registry(a.registry, a.user, a.password)
    blob, diff_id = layer(a.kind)
    cfg = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "WorkingDir": "/",
           "Labels": dict(l.split("=", 1) for l in a.label)}
    if a.kind == "pause":
        cfg["Entrypoint"] = ["/pause", "-P"]
    else:
        cfg["Cmd"] = ["sh"]
    config = {"architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z", "config": cfg,
              "rootfs": {"type": "layers", "diff_ids": [diff_id]},
              "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "test/e2e/mkimage.py " + a.kind}]}
    config_data = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    layer_digest = reg.push_blob(a.repo, blob)
    config_digest = reg.push_blob(a.repo, config_data)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                           "size": len(config_data)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest,
                            "size": len(blob)}]}
    digest = reg.push_manifest(a.repo, a.tag, manifest)
    print(f"{a.repo}:{a.tag}@{digest}")


if __name__ == "__main__":
    main()
