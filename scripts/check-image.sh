#!/usr/bin/env bash
# Checks the release artifacts that scripts/release.sh wrote to DIR (default dist/):
# the checksums, the tarball's contents, the image's configuration (non-root user,
# port 19947, OCI labels) and the image's binary: `--version`, then `--demo` serving
# /metrics on 127.0.0.1.
#
# The binary runs with `podman run` where this machine allows it; where podman cannot run
# containers (no user namespaces, no network namespace), the binary is taken out of the
# image's own layers (the saved oci-archive) and run from that file system instead, so
# what runs is still exactly what the image ships.
#
# Usage: scripts/check-image.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
fail() { echo "check-image: $*" >&2; exit 1; }

[ -f "$out/SHA256SUMS" ] || fail "$out/SHA256SUMS is missing (run scripts/release.sh first)"
(cd "$out" && sha256sum --quiet -c SHA256SUMS) || fail "checksums do not match"
tarball=$(ls "$out"/*.tar.gz | head -1)
listing=$(tar -tzf "$tarball")
for f in contact-center-exporter LICENSE README.md contact-center-exporter.yml \
         contact-center-exporter.1 systemd/contact-center-exporter.service \
         dashboards/contact-center-overview.json alerts/contact-center.rules.yml; do
  grep -qx "[^/]*/$f" <<<"$listing" || fail "$tarball lacks $f"
done
echo "check-image: $tarball has the binary, LICENSE, README, config, unit, dashboards, rules"

tag=$(cat "$out/IMAGE")
inspect() { podman image inspect --format "$1" "$tag"; }
[ "$(inspect '{{.Config.User}}')" = "65532:65532" ] || fail "the image does not run as 65532:65532"
inspect '{{json .Config.ExposedPorts}}' | grep -q '19947/tcp' || fail "the image does not expose 19947"
for label in title version revision created licenses source; do
  [ -n "$(inspect "{{index .Config.Labels \"org.opencontainers.image.$label\"}}")" ] \
    || fail "label org.opencontainers.image.$label is missing"
done
echo "check-image: $tag runs as 65532:65532, exposes 19947, has the OCI labels"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scrape() {
  python3 - "$port" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/metrics"
for _ in range(100):
    try:
        body = urllib.request.urlopen(url, timeout=2).read().decode()
        if 'contact_center_source_up{source="demo-vcc-live",vendor="vcc_live"} 1' in body:
            print("check-image: /metrics serves the demo's sources")
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
sys.exit("check-image: the demo did not serve /metrics within 20 s")
PY
}

if version=$(podman run --rm "$tag" --version 2>/tmp/check-image.$$); then
  echo "check-image: podman run: $version"
  cid=$(podman run -d --rm --network host "$tag" --demo --web.listen-address "127.0.0.1:$port")
  trap 'podman stop -t 2 "$cid" >/dev/null 2>&1 || true' EXIT
  scrape
  exit 0
fi
echo "check-image: podman run is refused here ($(head -c 200 /tmp/check-image.$$ | tr '\n' ' ')); running the binary from the image's layers"
rm -f /tmp/check-image.$$
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
python3 - "$out"/*.oci.tar "$rootfs" <<'PY'
import json, sys, tarfile
archive, dest = sys.argv[1], sys.argv[2]
with tarfile.open(archive) as oci:
    blob = lambda d: oci.extractfile("blobs/" + d.replace(":", "/"))
    index = json.load(oci.extractfile("index.json"))
    manifest = json.load(blob(index["manifests"][0]["digest"]))
    for layer in manifest["layers"]:
        with tarfile.open(fileobj=blob(layer["digest"]), mode="r:*") as t:
            # The "tar" filter keeps modes and refuses paths outside dest (Python >= 3.11.4).
            kw = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
            t.extractall(dest, **kw)
PY
bin="$rootfs/usr/bin/contact-center-exporter"
[ -x "$bin" ] || fail "the image has no /usr/bin/contact-center-exporter"
[ -s "$rootfs/etc/ssl/certs/ca-certificates.crt" ] || fail "the image has no CA bundle"
echo "check-image: image binary: $("$bin" --version)"
"$bin" --demo --web.listen-address "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$rootfs"' EXIT
scrape
