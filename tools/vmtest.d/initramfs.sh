#!/usr/bin/env bash
# initramfs.sh KDIR OUT: a small initramfs for the kernel unpacked in KDIR (fetch-kernel.sh):
# busybox-static, the init script next to this file, and the modules that init needs to
# reach this machine's root over virtio-9p, lay a tmpfs overlay on it and talk to the host
# (virtio_pci, virtio_console, 9p, overlay), with their dependencies from the package's
# modules.dep, uncompressed so that busybox's insmod loads them. Also runs depmod on the
# package (in KDIR, not /lib/modules), so the guest's modprobe finds every other module
# (veth, sch_ingress, ...) by alias.
set -euo pipefail
kdir=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
kver=$(ls "$kdir/lib/modules")
mods=$kdir/lib/modules/$kver
command -v busybox >/dev/null && busybox --list | grep -qx cpio ||
	{ echo "initramfs: busybox-static missing (tools/install-deps.sh)" >&2; exit 1; }
[[ -e $mods/modules.dep ]] || depmod -b "$kdir" "$kver"

tmp=$(mktemp -d "${out%/*}/initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,mnt,lib/modules}
cp "$(command -v busybox)" "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"
cp "$here/init" "$tmp/init"
chmod 755 "$tmp/init"

# Each wanted module after its dependencies. modules.dep lists a module's dependencies
# deepest last, so loading them in reverse order, then the module, works. Built-in
# modules (modules.builtin) need nothing.
declare -A seen=()
order=()
add() { # NAME
	local line dep path
	grep -qE "/$1\.ko(\.[a-z]+)?\$" "$mods/modules.builtin" && return 0
	line=$(grep -E "(^|/)$1\.ko(\.[a-z]+)?:" "$mods/modules.dep") ||
		{ echo "initramfs: no module $1 in $kver" >&2; return 1; }
	path=${line%%:*}
	for dep in $(echo "${line#*:}" | tr ' ' '\n' | tac); do
		[[ -n ${seen[$dep]:-} ]] || { seen[$dep]=1; order+=("$dep"); }
	done
	[[ -n ${seen[$path]:-} ]] || { seen[$path]=1; order+=("$path"); }
}
for m in virtio_pci virtio_console 9pnet_virtio 9p overlay; do add "$m"; done
for path in "${order[@]}"; do
	base=$(basename "$path")
	case $base in
	*.xz) xz -dc "$mods/$path" >"$tmp/lib/modules/${base%.xz}" ;;
	*.zst) zstd -qdc "$mods/$path" >"$tmp/lib/modules/${base%.zst}" ;;
	*.gz) gzip -dc "$mods/$path" >"$tmp/lib/modules/${base%.gz}" ;;
	*) cp "$mods/$path" "$tmp/lib/modules/$base" ;;
	esac
	echo "${base%.ko*}.ko" >>"$tmp/lib/modules/order"
done
(cd "$tmp" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
