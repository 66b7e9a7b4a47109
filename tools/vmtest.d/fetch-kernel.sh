#!/usr/bin/env bash
# fetch-kernel.sh KERNEL DIR: download a Debian kernel package with `apt-get download` and
# unpack it with dpkg-deb under DIR/<package>/ (nothing goes to /boot or /lib/modules).
# Prints that directory. KERNEL is
#   6.1      Debian 12's kernel (bookworm, bookworm-security), from this system's apt lists
#   6.12     bookworm-backports' kernel, from a private source list and private apt state
#            under DIR/apt (this system's apt sources and lists are not touched)
#   linux-image-…  an exact package name, from this system's apt lists
# A package already unpacked is reused (delete DIR/<package> to fetch it again).
set -euo pipefail
kernel=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
say() { echo "  VMTEST   $*" >&2; }

# The sandbox user is root: the download directory is ours, not _apt's.
apt_opts=(-q -o APT::Sandbox::User=root)
private() { # SUITE: apt options for private lists and caches that list only SUITE
	local a="$dir/apt/$1"
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
		"http://deb.debian.org/debian $1 main" >"$a/sources.list"
	apt_opts+=(-o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache")
	# Refreshed once a day at most.
	if [[ ! -e $a/lists/.updated ]] || [[ -n $(find "$a/lists/.updated" -mmin +1440) ]]; then
		say "apt-get update ($1, private lists under $a)"
		apt-get "${apt_opts[@]}" update >/dev/null
		touch "$a/lists/.updated"
	fi
}

pkg=""
case $kernel in
6.1) ;;
6.12) private bookworm-backports ;;
linux-image-*) pkg=$kernel ;;
*) echo "fetch-kernel: unknown kernel '$kernel' (6.1, 6.12 or a linux-image-… package)" >&2; exit 2 ;;
esac
# The metapackage's candidate names the current image package (linux-image-6.1.0-NN-amd64).
if [[ -z $pkg ]]; then
	pkg=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
	[[ -n $pkg ]] || { echo "fetch-kernel: no linux-image-amd64 candidate for $kernel" >&2; exit 1; }
fi
out=$dir/$pkg
if [[ ! -e $out/.unpacked ]]; then
	say "apt-get download $pkg"
	rm -rf "$out" "$dir/dl" && mkdir -p "$out" "$dir/dl"
	(cd "$dir/dl" && apt-get "${apt_opts[@]}" download "$pkg" >/dev/null)
	dpkg-deb -x "$dir/dl/${pkg}_"*.deb "$out"
	rm -rf "$dir/dl"
	touch "$out/.unpacked"
fi
echo "$out"
