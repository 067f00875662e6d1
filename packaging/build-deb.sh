#!/usr/bin/env bash
# Builds edgetail_VERSION_ARCH.deb from a built edgetail binary with dpkg-deb.
#
#   packaging/build-deb.sh --binary .build/release/edgetail --output dist [--version V] [--fast]
#
# The binary is copied and stripped; Depends is computed from its shared libraries
# (dpkg-shlibdeps, or ldd + dpkg -S where dpkg-dev is missing). --fast leaves
# the package uncompressed (not xz), for tests that only look inside the package.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
binary=""
output="$repo/dist"
version="$(sed -n 's/.*string = "\(.*\)".*/\1/p' "$repo/Sources/EdgeTail/Version.swift")"
compression=(-Zxz -z6)

while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --output) output="$2"; shift 2 ;;
        --version) version="$2"; shift 2 ;;
        --fast) compression=(-Znone); shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "build-deb.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$binary" ] || { echo "build-deb.sh: --binary PATH is required" >&2; exit 2; }
[ -x "$binary" ] || { echo "build-deb.sh: $binary is not an executable" >&2; exit 2; }
[ -n "$version" ] || { echo "build-deb.sh: cannot read the version from Sources/EdgeTail/Version.swift" >&2; exit 2; }

arch="$(dpkg --print-architecture)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"

install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/systemd/system" \
    "$root/etc/edgetail/pipelines.d" "$root/etc/default" "$root/usr/share/doc/edgetail/pipelines" \
    "$root/usr/share/lintian/overrides" "$root/usr/share/man/man1"
install -m 0755 "$binary" "$root/usr/bin/edgetail"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/edgetail"
install -m 0644 "$here/edgetail.service" "$root/usr/lib/systemd/system/edgetail.service"
install -m 0644 "$here/etc/edgetail.yaml" "$root/etc/edgetail/edgetail.yaml"
install -m 0644 "$here/etc/pipelines.d/nginx.yaml" "$root/etc/edgetail/pipelines.d/nginx.yaml"
install -m 0644 "$here/etc/default-edgetail" "$root/etc/default/edgetail"
install -m 0644 "$repo/README.md" "$root/usr/share/doc/edgetail/README.md"
install -m 0644 "$here/debian/copyright" "$root/usr/share/doc/edgetail/copyright"
install -m 0644 "$here/debian/lintian-overrides" "$root/usr/share/lintian/overrides/edgetail"
gzip -9n < "$here/edgetail.1" > "$root/usr/share/man/man1/edgetail.1.gz"
chmod 0644 "$root/usr/share/man/man1/edgetail.1.gz"
for pipeline in "$repo"/pipelines/*.yaml; do
    [ "$(basename "$pipeline")" = demo.yaml ] || install -m 0644 "$pipeline" "$root/usr/share/doc/edgetail/pipelines/"
done
date="$(git -C "$repo" log -1 --format=%aD 2>/dev/null || date -R)"
printf 'edgetail (%s) unstable; urgency=medium\n\n  * Built from the edgetail repository.\n\n -- edgetail maintainers <edgetail@example.org>  %s\n' \
    "$version" "$date" | gzip -9n > "$root/usr/share/doc/edgetail/changelog.gz"
for script in postinst prerm postrm; do install -m 0755 "$here/debian/$script" "$root/DEBIAN/$script"; done
printf '/etc/edgetail/edgetail.yaml\n/etc/edgetail/pipelines.d/nginx.yaml\n/etc/default/edgetail\n' > "$root/DEBIAN/conffiles"

# Depends: the packages that hold the binary's shared libraries, plus adduser (postinst) and ca-certificates.
depends=""
if command -v dpkg-shlibdeps >/dev/null; then
    mkdir -p "$work/shlibs/debian"
    printf 'Source: edgetail\n\nPackage: edgetail\nArchitecture: any\n' > "$work/shlibs/debian/control"
    depends="$(cd "$work/shlibs" && dpkg-shlibdeps -O -e"$root/usr/bin/edgetail" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
fi
if [ -z "$depends" ]; then
    depends="$(ldd "$root/usr/bin/edgetail" | awk '/=> \//{print $3}' | while read -r lib; do
        dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
    done | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g')"
fi
depends="adduser, ca-certificates, $depends"

installed_size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat > "$root/DEBIAN/control" <<CONTROL
Package: edgetail
Version: $version
Architecture: $arch
Maintainer: edgetail maintainers <edgetail@example.org>
Installed-Size: $installed_size
Depends: $depends
Section: net
Priority: optional
Description: ships web-server access logs to the Adobe Edge Network
 edgetail tails nginx and Apache access logs and the systemd journal, turns
 page views and link clicks into XDM experience events attributed to one
 visitor identity each, and sends them to the Adobe Experience Platform Edge
 Network with at-least-once delivery that survives restarts and rotation.
 It serves Prometheus metrics and a health check on loopback.
CONTROL
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$output"
package="$output/edgetail_${version}_${arch}.deb"
dpkg-deb --root-owner-group "${compression[@]}" --build "$root" "$package" >/dev/null
echo "$package"
