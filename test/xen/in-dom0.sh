#!/bin/bash
# Runs inside dom0 (fsxen-run.service at the end of boot; the VM powers off after it). boot.sh
# put framescope in /opt/framescope, this directory's files in /root/xen-test, and the run's
# settings in /root/run.env. Output: the serial console and /root/out (copied back by boot.sh).
set -u
mkdir -p /root/out
exec > >(tee -a /root/out/run.log) 2>&1
[ -f /root/run.env ] && . /root/run.env
GUESTS=${GUESTS:-"pvh hvm pv"}
GUEST_CPUS=${GUEST_CPUS:-}
say() { echo "FSXEN[$(cut -d' ' -f1 /proc/uptime)s] $*"; }

say "dom0 reached in-dom0.sh"
mkdir -p /var/log/xen/console   # xenconsoled --log=guest does not make it
systemctl is-active xen >/dev/null 2>&1 || /etc/init.d/xen start
xl info | grep -E 'xen_version|free_memory'
gcc -O2 -Wall -o /root/probe /root/xen-test/probe.c || { say "FAIL probe build"; exit 1; }

# The guests: the same kernel and marker-writing initrd for all; HVM boots it directly (no disk,
# no firmware to sit in). Created together, so that their boots overlap; the paged guest first, as
# checks.mjs checks it first (xenpaging then works while the others are checked).
ORDER="$(for g in $GUESTS; do [ "$g" = paged ] && echo $g; done) $(for g in $GUESTS; do [ "$g" != paged ] && echo $g; done)"
for g in $ORDER; do
  case $g in
  pvh|pv|paged)
    type=$g; [ $g = paged ] && type=pvh
    cat > /root/$g.cfg <<CFG
name = "$g"
type = "$type"
memory = 128
vcpus = 1
${GUEST_CPUS:+cpus = \"$GUEST_CPUS\"}
kernel = "/root/guest/vmlinuz"
ramdisk = "/root/guest/guest-initrd.cpio.gz"
extra = "console=hvc0 quiet"
on_crash = "preserve"
CFG
    ;;
  hvm)
    cat > /root/hvm.cfg <<CFG
name = "hvm"
type = "hvm"
memory = 128
vcpus = 1
${GUEST_CPUS:+cpus = \"$GUEST_CPUS\"}
vnc = 0
sdl = 0
nographic = 1
serial = "pty"
kernel = "/root/guest/vmlinuz"
ramdisk = "/root/guest/guest-initrd.cpio.gz"
extra = "console=ttyS0 quiet"
on_crash = "preserve"
CFG
    ;;
  esac
  # one at a time: xl creates in parallel failed here (each waits on the others' device setup)
  timeout 600 xl create /root/$g.cfg && say "created $g" || say "xl create $g failed"
done
xl list

cd /root/xen-test && /usr/local/bin/node checks.mjs
rc=$?
# the guests' consoles and xl's logs: what a guest printed before it died, and whether xl rebooted it
cp -r /var/log/xen /root/out/xen-logs 2>/dev/null
for g in $GUESTS; do xl destroy $g 2>/dev/null; done
say "in-dom0.sh finished rc=$rc"
