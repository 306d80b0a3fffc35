#!/usr/bin/env python3
"""mkrandom.py: pushes an image of LAYERS layers of random (incompressible) data, gzip, to a registry.

  mkrandom.py --registry http://127.0.0.1:5000 --repo bench/random --tag 1 [--layers 6] [--layer-bytes 17000000]

Each layer is a tar with one file layerN/data.bin; the data come from a fixed seed, so every run
pushes the same digests. Uses test/e2e/mkimage.py's registry client.
"""
import argparse, gzip, hashlib, io, json, os, random, sys, tarfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "e2e"))
from mkimage import Registry, MTIME  # noqa: E402


def layer(rng, i, size):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        d = tarfile.TarInfo(f"layer{i}")
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, MTIME
        tar.addfile(d)
        f = tarfile.TarInfo(f"layer{i}/data.bin")
        f.size, f.mode, f.mtime = size, 0o644, MTIME
        tar.addfile(f, io.BytesIO(rng.randbytes(size)))
    data = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0, compresslevel=6) as g:
        g.write(data)
    return gz.getvalue(), "sha256:" + hashlib.sha256(data).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--registry", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--layer-bytes", type=int, default=17_000_000)
    a = ap.parse_args()
    reg = Registry(a.registry)
    rng = random.Random(42)
    layers, diff_ids, total = [], [], 0
    for i in range(a.layers):
        blob, diff_id = layer(rng, i, a.layer_bytes)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": reg.push_blob(a.repo, blob), "size": len(blob)})
        diff_ids.append(diff_id)
        total += len(blob)
    config = {"architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
              "config": {"Cmd": ["sh"]}, "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    config_data = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": reg.push_blob(a.repo, config_data), "size": len(config_data)},
                "layers": layers}
    digest = reg.push_manifest(a.repo, a.tag, manifest)
    print(f"{a.repo}:{a.tag}@{digest} {a.layers} layers {total} bytes")


if __name__ == "__main__":
    main()
