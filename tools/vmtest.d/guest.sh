#!/bin/bash
# Second stage of tools/vmtest, inside the guest on the overlay root (see init): mount what
# a Linux system and the tests expect, make the package's modules this kernel's, run the
# command tools/vmtest wrote into the run directory, record its exit status there, power
# off. Its output goes to the virtio console (hvc0), which tools/vmtest passes through to
# its stdout; the kernel's messages stay on the serial console (a file on the host).
work=$(cd "$(dirname "$0")/../.." && pwd)
mount -t proc proc /proc
run=$(sed -n 's/.*vmtest\.run=\([^ ]*\).*/\1/p' /proc/cmdline)
kmods=$(sed -n 's/.*vmtest\.kmods=\([^ ]*\).*/\1/p' /proc/cmdline)
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=755 run /run
mkdir -p /run/netns /run/lock
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
# The package's modules as /lib/modules/$(uname -r), so that modprobe and the kernel's
# request_module (veth, sch_ingress, ...) find them.
mkdir -p "/lib/modules/$(uname -r)"
mount --bind "$kmods" "/lib/modules/$(uname -r)"
hostname vmtest
ip link set lo up

exec >/dev/hvc0 2>&1
rc=125
if [[ -r $run/cmd ]]; then
	cd "$work" || exit
	: >"$run/started"
	# The command runs in its own session so that a test's kill of its process group
	# cannot reach this script.
	setsid -w bash "$run/cmd" </dev/null
	rc=$?
fi
echo "$rc" >"$run/rc"
sync
echo o >/proc/sysrq-trigger
sleep 30
