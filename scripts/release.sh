#!/usr/bin/env bash
# Builds the release artifacts of contact-center-exporter into dist/ (or --out DIR):
#   contact-center-exporter-<version>-x86_64-linux-musl.tar.gz   static binary, LICENSE,
#       README, example config, dashboards, alert rules, systemd unit, man page
#   contact-center-exporter-<version>-x86_64-linux-musl           the static binary alone
#   contact-center-exporter-<version>.oci.tar                     the OCI image (oci-archive)
#   SHA256SUMS                                                    of the three
# and the local image contact-center-exporter:<version> (podman build).
#
# Usage: scripts/release.sh [--out DIR] [--profile release|dev] [--no-image]
#   --profile dev   a static debug build (CI: the image check without the ~400 CPU-s of an
#                   optimized build); artifacts are named ...-dev so they are not shipped
#   --no-image      tarball and checksums only (no podman)
#
# The binary is linked statically against musl (target x86_64-unknown-linux-musl, added
# with rustup when missing): it runs on any x86_64 Linux and in a `FROM scratch` image,
# and resolves names without glibc's NSS libraries. Reproducible inputs: the tarball's
# entries are sorted, owned by 0:0 and dated at the commit (SOURCE_DATE_EPOCH).
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
profile=release
image=1
while (($#)); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --no-image) image=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "release: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$profile" in release|dev) ;; *) echo "release: --profile is release or dev" >&2; exit 2 ;; esac

fail() { echo "release: $*" >&2; exit 1; }

target=x86_64-unknown-linux-musl
name=contact-center-exporter
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[ -n "$version" ] || fail "no version in Cargo.toml"
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
suffix=""
[ "$profile" = release ] || suffix="-$profile"
base="$name-$version-x86_64-linux-musl$suffix"

if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "==> rustup target add $target"
  rustup target add "$target" \
    || fail "cannot install the Rust target $target (rustup needs static.rust-lang.org); install it and rerun"
fi

# ring's C and assembly are compiled with Debian's musl-gcc wrapper (musl-tools).
command -v musl-gcc >/dev/null || fail "musl-gcc is missing (apt-get install musl-tools)"
export CC_x86_64_unknown_linux_musl=musl-gcc

echo "==> cargo build --profile $profile --target $target"
start=$SECONDS
cargo build --locked --profile "$profile" --target "$target"
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin="target/$target/$dir/$name"
echo "    built in $((SECONDS - start)) s"

# Static: no program interpreter and no shared libraries.
if readelf -l "$bin" | grep -q 'INTERP' || readelf -d "$bin" | grep -q '(NEEDED)'; then
  fail "$bin is not statically linked"
fi
"$bin" --version >/dev/null || fail "$bin --version failed"

rm -rf "$out" && mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The tarball.
root="$stage/$base"
mkdir -p "$root"/{dashboards,alerts,systemd}
install -m 0755 "$bin" "$root/$name"
[ "$profile" = release ] && strip "$root/$name"
install -m 0644 LICENSE README.md "$root/"
install -m 0644 examples/contact-center-exporter.yml "$root/contact-center-exporter.yml"
install -m 0644 dashboards/*.json "$root/dashboards/"
cp -r dashboards/provisioning "$root/dashboards/"
install -m 0644 alerts/*.yml alerts/*.md "$root/alerts/"
install -m 0644 packaging/systemd/contact-center-exporter.service "$root/systemd/"
install -m 0644 packaging/man/contact-center-exporter.1 "$root/"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C "$stage" -cf - "$base" | gzip -n -9 > "$out/$base.tar.gz"
install -m 0755 "$root/$name" "$out/$base"

# The image.
if [ "$image" = 1 ]; then
  command -v podman >/dev/null || fail "podman is missing (apt-get install podman), or use --no-image"
  [ -r /etc/ssl/certs/ca-certificates.crt ] \
    || fail "/etc/ssl/certs/ca-certificates.crt is missing (apt-get install ca-certificates)"
  ctx="$stage/image"
  mkdir -p "$ctx/rootfs/usr/bin" "$ctx/rootfs/etc/ssl/certs" \
           "$ctx/rootfs/etc/contact-center-exporter" "$ctx/rootfs/usr/share/doc/$name"
  install -m 0755 "$root/$name" "$ctx/rootfs/usr/bin/$name"
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/"
  install -m 0644 examples/contact-center-exporter.yml "$ctx/rootfs/etc/contact-center-exporter/"
  install -m 0644 LICENSE "$ctx/rootfs/usr/share/doc/$name/"
  printf 'root:x:0:0:root:/:/sbin/nologin\nexporter:x:65532:65532:contact-center-exporter:/:/sbin/nologin\n' \
    > "$ctx/rootfs/etc/passwd"
  printf 'root:x:0:\nexporter:x:65532:\n' > "$ctx/rootfs/etc/group"
  cp packaging/oci/Containerfile "$ctx/Containerfile"
  tag="localhost/$name:$version$suffix"
  echo "==> podman build $tag"
  podman build --quiet --timestamp "$SOURCE_DATE_EPOCH" \
    --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg CREATED="$created" \
    -t "$tag" -f "$ctx/Containerfile" "$ctx"
  podman save --format oci-archive -o "$out/$name-$version$suffix.oci.tar" "$tag"
  echo "$tag" > "$out/IMAGE"
fi

(cd "$out" && sha256sum -- *.tar.gz "$base" $(ls *.oci.tar 2>/dev/null) > SHA256SUMS)
echo "==> $out:"
(cd "$out" && ls -l && cat SHA256SUMS)
