#!/bin/bash
# Boots Xen + the dom0 image under QEMU (TCG, nested AMD SVM/NPT: no KVM needed), with
# framescope and the checks put into the image, and copies dom0's /root/out back. Cleans up its
# loop mount and QEMU on every exit. Settings (environment):
#   XT (/var/tmp/framescope-xen)  ROOT (the framescope checkout to test)  OUT (results directory)
#   GUESTS ("pvh hvm pv")  XEN (another hypervisor binary, e.g. the paging build)  BENCH (1: bench)
#   TIMEOUT (s, 3600)  MEM (MiB, 3072)  SMP (2)
set -euo pipefail
XT=${XT:-/var/tmp/framescope-xen}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${ROOT:-$(cd "$HERE/../.." && pwd)}
OUT=${OUT:-$XT/runs/$(date +%Y%m%d-%H%M%S)}
TIMEOUT=${TIMEOUT:-3600}; MEM=${MEM:-3072}; SMP=${SMP:-2}
MNT=$XT/mnt
mkdir -p "$OUT" "$MNT"
# one boot at a time: a second would empty the first one's /root/out and find the image locked
exec 9> "$XT/lock"
flock -n 9 || { echo "boot: another test:xen run is using $XT (lock $XT/lock)" >&2; exit 3; }
QPID=
cleanup() {
  [ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
  mountpoint -q "$MNT" && umount "$MNT"
  return 0
}
trap cleanup EXIT INT TERM

# a run killed with its QEMU leaves the filesystem unclean
e2fsck -fy "$XT/rootfs.img" >/dev/null 2>&1 || [ $? -le 2 ] || { echo "boot: $XT/rootfs.img is damaged beyond e2fsck: rebuild it" >&2; exit 1; }
mount -o loop "$XT/rootfs.img" "$MNT"
rm -rf "$MNT/root/out" "$MNT/root/xen-test" "$MNT/opt/framescope"
mkdir -p "$MNT/opt/framescope/node_modules" "$MNT/root/xen-test"
cp -r "$ROOT/dist" "$ROOT/package.json" "$MNT/opt/framescope/"
# framescope's run-time dependencies, as npm lists them (koffi's native module is a package of its own)
(cd "$ROOT" && npm ls --omit=dev --all --parseable) | tail -n +2 | while read -r dep; do
  rel=${dep#"$ROOT"/}
  mkdir -p "$MNT/opt/framescope/$(dirname "$rel")"
  cp -r "$dep" "$MNT/opt/framescope/$rel"
done
cp "$HERE/probe.c" "$HERE/checks.mjs" "$MNT/root/xen-test/"
cp "$HERE/in-dom0.sh" "$MNT/root/run.sh"
# no guest a run left saved comes back (images built before xendomains was masked)
rm -rf "$MNT/var/lib/xen/save"/*
ln -sfn /dev/null "$MNT/etc/systemd/system/xendomains.service"
# with more than one CPU, dom0 has CPU 0 to itself and the guests the others (see below)
GUEST_CPUS=; [ "$SMP" -eq 2 ] && GUEST_CPUS=1; [ "$SMP" -gt 2 ] && GUEST_CPUS="1-$((SMP - 1))"
{ echo "GUESTS=\"${GUESTS:-pvh hvm pv}\""; echo "BENCH=${BENCH:-0}"; echo "GUEST_CPUS=$GUEST_CPUS"; } > "$MNT/root/run.env"
umount "$MNT"

LOG=$OUT/console.log
echo "boot: console $LOG"
# dom0 pinned to CPU 0 alone (dom0_max_vcpus=1 dom0_vcpus_pin), the guests on the other CPUs
# (GUEST_CPUS in run.env). With dom0 and guests sharing two CPUs, HVM and PVH guests triple-faulted
# now and then while dom0 mapped frames, their saved state Xen's own (cs e008, rip in Xen's text):
# what looks like a race in QEMU's nested-SVM emulation with interrupts from the other CPU.
# thread=single ran four times slower; one CPU (SMP=1) stopped the faults but took over an hour.
timeout "$TIMEOUT" qemu-system-x86_64 -machine q35 -accel tcg,thread=multi -cpu qemu64,+svm,+npt -smp "$SMP" -m "$MEM" \
  -display none -no-reboot -nic none \
  -kernel "${XEN:-$XT/boot/xen}" \
  -append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1 dom0_vcpus_pin loglvl=all guest_loglvl=all" \
  -initrd "$XT/boot/vmlinuz root=LABEL=fsxenroot rw console=hvc0 earlyprintk=xen,$XT/boot/initrd.img" \
  -drive file="$XT/rootfs.img",format=raw,if=virtio,cache=unsafe \
  -serial file:"$LOG" -monitor none &
QPID=$!
wait "$QPID" && rc=0 || rc=$?
QPID=
echo "boot: qemu exited rc=$rc"

# noload: a QEMU cut short by the timeout leaves a journal to replay, which a read-only mount refuses
mount -o loop,ro,noload "$XT/rootfs.img" "$MNT"
cp -r "$MNT/root/out" "$OUT/dom0-out" 2>/dev/null || echo "boot: no /root/out in the image"
umount "$MNT"
ln -sfn "$OUT" "$XT/runs/latest"
