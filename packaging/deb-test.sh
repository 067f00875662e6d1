#!/usr/bin/env bash
# Installs an edgetail .deb into a clean Debian 12 root in a chroot, runs
# `edgetail --version` and `edgetail validate`, checks the user, groups and files
# postinst made, boots the root with systemd-nspawn (when installed) to start,
# probe and reload the service, purges the package and lists what is left. Needs root, debootstrap
# and the Debian mirror. The debootstrap root is cached in .cache/deb-test/ (git-ignored).
#
#   packaging/deb-test.sh [dist/edgetail_VERSION_ARCH.deb]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
deb="${1:-$(ls -t "$repo"/dist/edgetail_*.deb 2>/dev/null | head -1)}"
[ -f "$deb" ] || { echo "deb-test: no package; run \`make deb\` first" >&2; exit 2; }
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="$repo/.cache/deb-test"
base="$cache/bookworm"
root="$cache/root"
started=$(date +%s)

fail() { echo "deb-test: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

if [ ! -f "$base/.complete" ]; then
    # systemd is included so the unit can be verified where it is installed.
    step "debootstrap bookworm (minbase + systemd) into $base (cached for later runs)"
    rm -rf "$base"
    mkdir -p "$cache"
    debootstrap --variant=minbase --include=systemd bookworm "$base" "$mirror" >"$cache/debootstrap.log" 2>&1 \
        || { tail -20 "$cache/debootstrap.log" >&2; fail "debootstrap"; }
    touch "$base/.complete"
fi

step "fresh copy of the clean root"
rm -rf "$root"
cp -a "$base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root dpkg-query -W -f='${Package}\n' > "$cache/before.txt"
find "$root" -xdev \( -path "$root/proc" -o -path "$root/var/cache/apt" -o -path "$root/var/lib/apt/lists" \) -prune -o -print \
    | sed "s|^$root||" | sort > "$cache/files-before.txt"

step "install $(basename "$deb") with apt (pulls its Depends)"
cp "$deb" "$root/tmp/edgetail.deb"
in_root apt-get update -qq
in_root apt-get install -y -qq /tmp/edgetail.deb >"$cache/install.log" 2>&1 || { tail -20 "$cache/install.log" >&2; fail "install"; }

step "edgetail --version"
version="$(in_root edgetail --version)"
echo "$version"
[ -n "$version" ] || fail "no version"
step "edgetail validate -c /etc/edgetail/edgetail.yaml"
in_root edgetail validate -c /etc/edgetail/edgetail.yaml || fail "the shipped configuration does not validate"
step "what postinst made"
in_root getent passwd edgetail || fail "no edgetail user"
groups="$(in_root id -nG edgetail)"
echo "groups: $groups"
case " $groups " in *" adm "*) ;; *) fail "edgetail is not in adm" ;; esac
if in_root getent group systemd-journal >/dev/null; then
    case " $groups " in *" systemd-journal "*) ;; *) fail "edgetail is not in systemd-journal" ;; esac
else
    echo "(no systemd-journal group in this root: systemd is not installed, so nothing to join)"
fi
[ "$(stat -c %a "$root/etc/edgetail/client_secret")" = 600 ] || fail "client_secret is not mode 600"
[ "$(stat -c %a "$root/etc/edgetail/salt")" = 600 ] || fail "salt is not mode 600"
[ "$(wc -c < "$root/etc/edgetail/salt")" -ge 32 ] || fail "salt is too short"
salt_before="$(cat "$root/etc/edgetail/salt")"
in_root dpkg-reconfigure edgetail >/dev/null 2>&1 || in_root sh /var/lib/dpkg/info/edgetail.postinst configure
[ "$(cat "$root/etc/edgetail/salt")" = "$salt_before" ] || fail "postinst replaced the salt"
step "systemd-analyze verify (inside the root)"
in_root systemd-analyze verify /usr/lib/systemd/system/edgetail.service || fail "systemd-analyze verify"
step "systemd-analyze security --offline=yes"
in_root systemd-analyze security --offline=yes /usr/lib/systemd/system/edgetail.service | tail -1
step "validate as the service user, with the state directory systemd's StateDirectory= would make"
install -d -o "$(in_root id -u edgetail)" -g "$(in_root id -g edgetail)" -m 0700 "$root/var/lib/edgetail"
touch "$root/var/lib/edgetail/checkpoint-made-by-the-test"
# The salt reaches the service as a credential it may read, as LoadCredential= hands it over.
install -d -o "$(in_root id -u edgetail)" -m 0700 "$root/run/credentials-test"
install -o "$(in_root id -u edgetail)" -m 0400 "$root/etc/edgetail/salt" "$root/run/credentials-test/salt"
in_root env CREDENTIALS_DIRECTORY=/run/credentials-test setpriv --reuid=edgetail --regid=edgetail --init-groups edgetail validate -c /etc/edgetail/edgetail.yaml \
    || fail "validate as edgetail"

if command -v systemd-nspawn >/dev/null && command -v nsenter >/dev/null; then
    step "boot the root with systemd (systemd-nspawn) and run the service"
    # A pipeline into a file sink over a log readable through the adm group, so the
    # service runs for real without Edge credentials.
    mkdir -p "$root/var/log/nginx"
    printf '%s\n' '10.0.0.1 - - [28/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (X11; Linux x86_64)"' \
        > "$root/var/log/nginx/access.log"
    in_root chown root:adm /var/log/nginx/access.log
    chmod 0640 "$root/var/log/nginx/access.log"
    cp "$root/etc/edgetail/edgetail.yaml" "$cache/shipped-edgetail.yaml"
    cat > "$root/etc/edgetail/edgetail.yaml" <<'YAML'
data_dir: /var/lib/edgetail
include: ["pipelines.d/*.yaml"]
api: { listen: "127.0.0.1:9880" }
sinks:
  edge: { type: file, path: /var/lib/edgetail/events.jsonl }
YAML
    sed -i 's/read_from: end/read_from: beginning/' "$root/etc/edgetail/pipelines.d/nginx.yaml"
    umount "$root/proc"
    systemd-nspawn -q --register=no --keep-unit -D "$root" -b >"$cache/boot.log" 2>&1 &
    nspawn=$!
    trap 'kill "$nspawn" 2>/dev/null || true; umount "$root/proc" 2>/dev/null || true' EXIT
    leader=""
    for _ in $(seq 1 300); do
        leader="$(pgrep -P "$nspawn" | head -1 || true)"
        if [ -n "$leader" ] && nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null | grep -qE 'running|degraded'; then break; fi
        sleep 0.2
    done
    [ -n "$leader" ] || fail "the root did not boot (see $cache/boot.log)"
    in_boot() { nsenter -t "$leader" -a /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
    health() { in_boot timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9880 && printf "GET /health HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n" >&3 && cat <&3' 2>/dev/null | tail -1; }
    in_boot systemctl start edgetail.service || { in_boot journalctl -u edgetail --no-pager -n 30 >&2; fail "systemctl start"; }
    answer=""
    for _ in $(seq 1 100); do answer="$(health || true)"; [ "$answer" = '{"status":"ok"}' ] && break; sleep 0.1; done
    echo "/health: $answer"
    [ "$answer" = '{"status":"ok"}' ] || { in_boot journalctl -u edgetail --no-pager -n 30 >&2; fail "/health"; }
    for _ in $(seq 1 100); do [ -s "$root/var/lib/edgetail/events.jsonl" ] && break; sleep 0.1; done
    [ -s "$root/var/lib/edgetail/events.jsonl" ] || fail "the service wrote no event"
    [ "$(stat -c %u "$root/var/lib/edgetail/events.jsonl")" = "$(in_boot id -u edgetail)" ] || fail "events not written as edgetail"
    [ "$(stat -c %a "$root/var/lib/edgetail/events.jsonl")" = 600 ] || fail "events file is not mode 600 (UMask=077)"
    echo "the service wrote events as user edgetail, mode 600"
    in_boot systemctl reload edgetail.service || { in_boot journalctl -u edgetail --no-pager -n 30 >&2; fail "systemctl reload"; }
    in_boot systemctl is-active --quiet edgetail.service || fail "not active after reload"
    echo "systemctl reload: ok, still active"
    in_boot systemctl stop edgetail.service
    in_boot journalctl -u edgetail --no-pager -o cat > "$cache/service.log" || true
    in_boot systemctl poweroff >/dev/null 2>&1 || true
    for _ in $(seq 1 150); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
    kill "$nspawn" 2>/dev/null || true
    wait "$nspawn" 2>/dev/null || true
    cp "$cache/shipped-edgetail.yaml" "$root/etc/edgetail/edgetail.yaml"
    rm -f "$root/var/log/nginx/access.log"
    rmdir "$root/var/log/nginx" 2>/dev/null || true
    mount -t proc proc "$root/proc"
    trap 'umount "$root/proc" 2>/dev/null || true' EXIT
else
    echo "(systemd-nspawn not installed: the service is not booted; apt-get install systemd-container)"
fi

step "purge"
in_root apt-get purge -y -qq edgetail >"$cache/purge.log" 2>&1 || { tail -20 "$cache/purge.log" >&2; fail "purge"; }
in_root apt-get autoremove --purge -y -qq >>"$cache/purge.log" 2>&1 || true
for path in /usr/bin/edgetail /etc/edgetail /var/lib/edgetail /etc/default/edgetail /usr/lib/systemd/system/edgetail.service; do
    [ ! -e "$root$path" ] || fail "$path is left after purge"
done
in_root dpkg-query -W -f='${Package}\n' > "$cache/after.txt"
diff -u "$cache/before.txt" "$cache/after.txt" || fail "packages differ from the clean root after purge"
find "$root" -xdev \( -path "$root/proc" -o -path "$root/var/cache/apt" -o -path "$root/var/lib/apt/lists" \) -prune -o -print \
    | sed "s|^$root||" | sort > "$cache/files-after.txt"
step "left after purge (new paths, besides apt, dpkg and systemd bookkeeping)"
comm -13 "$cache/files-before.txt" "$cache/files-after.txt" \
    | grep -vE '^/(run/|var/lib/systemd/|var/lib/dpkg|var/log|var/cache|var/lib/apt|tmp/edgetail.deb|etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|etc/resolv.conf|etc/ld.so.cache)' || true
echo "(the system user edgetail stays, as Debian policy asks: $(in_root getent passwd edgetail || echo gone))"

echo "deb-test: PASS in $(( $(date +%s) - started )) s"
