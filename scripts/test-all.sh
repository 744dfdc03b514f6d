#!/usr/bin/env bash
# Runs every check and test of contact-center-exporter, installing what the tests need
# (Debian's prometheus and prometheus-alertmanager, promtool, openssl, systemd-analyze,
# strace, lintian, chromium for the status page, python3-prometheus-client for its strict
# OpenMetrics parser, podman and musl-tools for the image) first, then builds and checks the Debian
# package (scripts/check-deb.sh) and the release tarball and OCI image (scripts/release.sh
# --profile dev, scripts/check-image.sh).
# Usage: scripts/test-all.sh        (the README's second command; .ci/run calls it)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for tool in prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager \
            amtool:prometheus-alertmanager openssl:openssl systemd-analyze:systemd strace:strace \
            lintian:lintian chromium:chromium podman:podman readelf:binutils musl-gcc:musl-tools; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
# The strict OpenMetrics parser of tests/openmetrics.rs (Debian's prometheus_client).
/usr/bin/python3 -c 'import prometheus_client.openmetrics.parser' >/dev/null 2>&1 \
  || need+=(python3-prometheus-client)
if ((${#need[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "==> installing ${need[*]} (Debian packages)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The end-to-end tests must not silently skip when a tool is missing.
export REQUIRE_TOOLS=1
# One build from a clean clone gains nothing from incremental state (several GB on disk).
# A developer's own CARGO_INCREMENTAL setting wins.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --all-targets --locked
echo "==> cargo test --doc"
cargo test --doc --locked
echo "==> Debian package"
scripts/check-deb.sh
# A static debug build: the same packaging and image as a release, without the ~400
# CPU-seconds of an optimized build (docs/operations.md, "Container image").
echo "==> release tarball and OCI image"
scripts/release.sh --profile dev --out target/dist-ci
scripts/check-image.sh target/dist-ci
