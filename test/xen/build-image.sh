#!/bin/bash
# Builds the dom0 image framescope's real-Xen test boots (npm run test:xen), from Debian packages
# only: Xen 4.17 (xen-hypervisor-4.17-amd64, extracted, not installed on this host), a Debian 12
# rootfs with xen-utils, qemu-system-xen (HVM guests' device model), gcc and libxen-dev (the
# prober), and this host's Node (Debian 12's nodejs is 18; framescope needs >= 20.19).
# Output under $XT (default /var/tmp/framescope-xen):
#   rootfs.img      raw ext4 image (no partition table): dom0's /dev/vda
#   boot/xen        the hypervisor (multiboot ELF); boot/vmlinuz, boot/initrd.img: dom0's kernel
#   stamp           what the image was built from; scripts/test-xen.mjs rebuilds when it changes
set -euo pipefail
XT=${XT:-/var/tmp/framescope-xen}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SIZE=${SIZE:-6G}
ROOT=$XT/rootfs
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$XT/boot" "$XT/debs"
t0=$(date +%s)

export DEBIAN_FRONTEND=noninteractive
command -v debootstrap >/dev/null && command -v mkfs.ext4 >/dev/null && command -v cpio >/dev/null || \
  apt-get install -y -qq --no-install-recommends debootstrap e2fsprogs cpio >/dev/null

# 1. the hypervisor straight out of Debian's package
cd "$XT/debs"
rm -f xen-hypervisor-4.17-amd64_*.deb
apt-get download xen-hypervisor-4.17-amd64 >/dev/null 2>&1
rm -rf "$XT/xenpkg"; mkdir -p "$XT/xenpkg"
dpkg -x xen-hypervisor-4.17-amd64_*.deb "$XT/xenpkg"
zcat "$XT/xenpkg/boot/xen-4.17-amd64.gz" > "$XT/boot/xen"

# 2. debootstrap and the packages dom0 needs
cleanup() { mountpoint -q "$ROOT/proc" && umount "$ROOT/proc" || true; }
trap cleanup EXIT
cleanup
rm -rf "$ROOT"
debootstrap --variant=minbase --include=ca-certificates bookworm "$ROOT" "$MIRROR" > "$XT/debootstrap.log" 2>&1
cat > "$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
echo fsxen > "$ROOT/etc/hostname"
mount -t proc proc "$ROOT/proc"
chroot "$ROOT" apt-get update > "$XT/chroot-apt.log" 2>&1
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  systemd-sysv udev kmod iproute2 procps initramfs-tools linux-image-amd64 \
  xen-utils-4.17 xen-utils-common qemu-system-xen gcc libc6-dev libxen-dev busybox-static >> "$XT/chroot-apt.log" 2>&1
chroot "$ROOT" apt-get clean
cleanup

# 3. dom0: passwordless root, xenfs, the Xen modules, and a unit that runs /root/run.sh then powers off
cp "$(command -v node)" "$ROOT/usr/local/bin/node"
chroot "$ROOT" passwd -d root >/dev/null
echo 'LABEL=fsxenroot / ext4 rw,relatime 0 1' > "$ROOT/etc/fstab"
echo 'none /proc/xen xenfs defaults,nofail 0 0' >> "$ROOT/etc/fstab"
mkdir -p "$ROOT/var/log/xen/console"
echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' >> "$ROOT/etc/default/xen"
printf 'xen-evtchn\nxen-gntdev\nxen-gntalloc\nxen-privcmd\nxenfs\n' > "$ROOT/etc/modules-load.d/xen.conf"
cat > "$ROOT/etc/systemd/system/fsxen-run.service" <<'EOF'
[Unit]
Description=framescope real-Xen test: run /root/run.sh and power off
After=multi-user.target
ConditionPathExists=/root/run.sh

[Service]
Type=oneshot
StandardOutput=journal+console
StandardError=journal+console
ExecStart=/bin/bash -c '/bin/bash /root/run.sh > /dev/console 2>&1; echo FSXEN-RUN-EXIT=$?; sync'
ExecStartPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/fsxen-run.service "$ROOT/etc/systemd/system/multi-user.target.wants/fsxen-run.service"
# nothing under TCG should wait for a network or run housekeeping; and xendomains must not save
# the guests at power-off (minutes under TCG) nor bring them back at the next boot
chroot "$ROOT" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
  e2scrub_all.timer fstrim.timer systemd-timesyncd.service xendomains.service >/dev/null 2>&1 || true

# 4. the guests' initrd: busybox that writes a marker into its RAM and idles
G=$XT/guestinit; rm -rf "$G"; mkdir -p "$G"/{bin,proc,sys,dev,tmp}
cp "$ROOT/bin/busybox" "$G/bin/busybox"
cat > "$G/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs -o size=16m tmpfs /tmp
i=0; while [ $i -lt 2000 ]; do echo "FSXEN-GUEST-MARKER-$i-abcdefghijklmnopqrstuvwxyz"; i=$((i+1)); done > /tmp/marker
echo "FSXEN-GUEST: marker written"
while true; do sleep 3600; done
EOF
chmod +x "$G/init"
(cd "$G" && find . | cpio -o -H newc 2>/dev/null | gzip -9) > "$XT/boot/guest-initrd.cpio.gz"

# 5. kernels: dom0's out of the image; the guests boot the same kernel
cp "$ROOT"/boot/vmlinuz-* "$XT/boot/vmlinuz"
cp "$ROOT"/boot/initrd.img-* "$XT/boot/initrd.img"
mkdir -p "$ROOT/root/guest"
cp "$XT/boot/vmlinuz" "$XT/boot/guest-initrd.cpio.gz" "$ROOT/root/guest/"

# 6. the image, filled from the directory (no loop mount)
rm -f "$XT/rootfs.img"
truncate -s "$SIZE" "$XT/rootfs.img"
mkfs.ext4 -q -F -L fsxenroot -d "$ROOT" "$XT/rootfs.img"
rm -rf "$ROOT"
sha256sum "$HERE/build-image.sh" | cut -d' ' -f1 > "$XT/stamp"
echo "build-image: done in $(( $(date +%s) - t0 )) s"
