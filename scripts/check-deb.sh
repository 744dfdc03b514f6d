#!/usr/bin/env bash
# Builds the Debian package with cargo-deb and checks it: file list, conffiles,
# dependencies, maintainer scripts, the packaged binary, and lintian (any error fails).
# As root with CI set (or CHECK_DEB_INSTALL=1) it also installs and purges the package.
#
# Usage: scripts/check-deb.sh                      package the debug build that `cargo test`
#                                                  already made (seconds, not minutes)
#        scripts/check-deb.sh --profile release    build and check the release package
#
# The default packages target/debug: the packaging (files, conffiles, scripts, lint) is
# the same for any build, and a release build would add ~400 CPU-seconds to CI. cargo-deb
# warns that the dev profile is unsupported and "will be a hard error in the future"; the
# pinned version below accepts it. Release packages are built with plain `cargo deb`.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=""
if [ "${1:-}" = "--profile" ]; then profile="$2"; fi

fail() { echo "check-deb: $*" >&2; exit 1; }

# cargo-deb: pinned, installed once (cargo install is skipped when it is present).
CARGO_DEB_VERSION=3.8.0
if ! cargo deb --version 2>/dev/null | grep -qx "cargo-deb $CARGO_DEB_VERSION"; then
  echo "==> cargo install cargo-deb $CARGO_DEB_VERSION"
  cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION" --no-default-features
fi
for tool in lintian dpkg-deb; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install lintian dpkg)"
done

# What the package ships from dashboards/ and alerts/ (the globs of Cargo.toml's assets).
# cargo-deb fails on a glob that matches nothing, so say which one and why.
share_globs=("dashboards/*.json" "dashboards/provisioning/*.yml" "alerts/*.yml")
for glob in "${share_globs[@]}" "alerts/*.md"; do
  compgen -G "$glob" >/dev/null || fail "nothing matches $glob; the package ships it (Cargo.toml assets)"
done

if [ -n "$profile" ]; then
  echo "==> cargo deb --profile $profile"
  args=(--profile "$profile")
else
  echo "==> cargo deb from the debug build"
  cargo build --locked --quiet --bin contact-center-exporter   # a no-op after cargo test
  args=(--no-build --profile dev --fast)
fi
out=$(cargo deb --locked "${args[@]}" 2>&1) || { printf '%s\n' "$out" >&2; fail "cargo deb failed"; }
printf '%s\n' "$out"
deb=$(printf '%s\n' "$out" | tail -n 1)
[ -f "$deb" ] || fail "cargo deb printed no package path (got: $deb)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./|/|' | sort >"$work/files"
dpkg-deb --control "$deb" "$work/control"
dpkg-deb --extract "$deb" "$work/root"

echo "==> package contents"
for f in \
  /usr/bin/contact-center-exporter \
  /usr/lib/systemd/system/contact-center-exporter.service \
  /etc/default/contact-center-exporter \
  /etc/contact-center-exporter/contact-center-exporter.yml \
  /usr/share/man/man1/contact-center-exporter.1.gz \
  /usr/share/bash-completion/completions/contact-center-exporter \
  /usr/share/zsh/vendor-completions/_contact-center-exporter \
  /usr/share/fish/vendor_completions.d/contact-center-exporter.fish \
  /usr/share/doc/contact-center-exporter/copyright; do
  grep -qx "$f" "$work/files" || fail "$f is not in the package"
done
for glob in "${share_globs[@]}"; do
  for src in $glob; do
    grep -qx "/usr/share/contact-center-exporter/$src" "$work/files" ||
      fail "$src is not packaged under /usr/share/contact-center-exporter/"
  done
done
for src in alerts/*.md; do
  grep -qx "/usr/share/doc/contact-center-exporter/${src#alerts/}" "$work/files" ||
    fail "$src is not packaged under /usr/share/doc/contact-center-exporter/"
done
cmp -s packaging/systemd/contact-center-exporter.service \
  "$work/root/usr/lib/systemd/system/contact-center-exporter.service" ||
  fail "the packaged unit differs from packaging/systemd/"
cmp -s examples/contact-center-exporter.yml \
  "$work/root/etc/contact-center-exporter/contact-center-exporter.yml" ||
  fail "the packaged config differs from examples/contact-center-exporter.yml"
for f in /etc/contact-center-exporter/contact-center-exporter.yml /etc/default/contact-center-exporter; do
  grep -qx "$f" "$work/control/conffiles" || fail "$f is not a conffile"
done
grep -q '^Depends:.*adduser' "$work/control/control" || fail "Depends lacks adduser"
grep -q 'adduser --system' "$work/control/postinst" || fail "postinst creates no user"
grep -q 'deluser --system' "$work/control/postrm" || fail "postrm removes no user"
grep -q 'deb-systemd-helper' "$work/control/postinst" || fail "postinst lacks the systemd snippet"
"$work/root/usr/bin/contact-center-exporter" --version | grep -q "^contact-center-exporter " ||
  fail "the packaged binary does not run"
wc -l <"$work/files" | xargs echo "   files:"
sed -n 's/^\(Package\|Version\|Architecture\|Depends\|Installed-Size\): /   \1: /p' "$work/control/control"

echo "==> lintian"
# Errors fail the build; warnings and infos are shown. The package's own overrides are in
# packaging/debian/lintian-overrides (installed with it), each with its reason.
rc=0
out=$(lintian --fail-on error --tag-display-limit 0 --display-info "$deb" 2>&1) || rc=$?
printf '%s\n' "$out" | grep -v '^running with root privileges' || true
[ "$rc" -eq 0 ] || fail "lintian found errors (the E: lines above)"

if [ "$(id -u)" -eq 0 ] && { [ "${CI:-}" = true ] || [ "${CHECK_DEB_INSTALL:-}" = 1 ]; }; then
  echo "==> install and purge"
  export DEBIAN_FRONTEND=noninteractive
  dpkg -i "$deb" >/dev/null || { apt-get install -f -y -qq >/dev/null; dpkg -i "$deb"; }
  getent passwd contact-center-exporter | grep -q ':/nonexistent:/usr/sbin/nologin$' ||
    fail "no system user after install"
  [ "$(stat -c '%U:%G %a' /etc/contact-center-exporter/contact-center-exporter.yml)" = \
    "root:contact-center-exporter 640" ] || fail "config permissions after install"
  [ "$(stat -c '%U:%G %a' /etc/contact-center-exporter/credentials)" = "root:root 700" ] ||
    fail "credentials directory after install"
  # The service user can read its config, and the config check runs as that user.
  setpriv --reuid=contact-center-exporter --regid=contact-center-exporter --init-groups \
    head -c 1 /etc/contact-center-exporter/contact-center-exporter.yml >/dev/null ||
    fail "the service user cannot read its config"
  dpkg --purge contact-center-exporter >/dev/null
  ! getent passwd contact-center-exporter >/dev/null || fail "user left after purge"
  ! getent group contact-center-exporter >/dev/null || fail "group left after purge"
  [ ! -e /etc/contact-center-exporter ] || fail "/etc/contact-center-exporter left after purge"
fi
echo "==> $deb OK"
