#!/bin/sh
# Build the microVM guest's base initramfs from this host's own packages:
# the Debian cloud kernel's virtio/fuse modules, busybox-static, and the
# host's bash, sshd, sftp-server, ssh, sshfs and fusermount3 with the
# libraries ldd lists.  Nothing binary is committed; the image is made here.
#
#   sh tests/vm/mkimage.sh OUTDIR   -> OUTDIR/vmlinuz, OUTDIR/base.cpio.gz
#
# Exits 77 with a reason on stdout when the host lacks a piece (the caller
# turns that into a skip).
set -eu
out=${1:?usage: mkimage.sh OUTDIR}
mkdir -p "$out"
kver=$(ls /lib/modules 2>/dev/null | grep -- '-cloud-amd64$' | sort -V | tail -1)
[ -n "$kver" ] && [ -r "/boot/vmlinuz-$kver" ] ||
	{ echo "no linux-image-cloud-amd64 kernel installed"; exit 77; }
command -v cpio >/dev/null 2>&1 || { echo "host lacks cpio"; exit 77; }
for b in busybox bash sshfs fusermount3 ssh /usr/sbin/sshd /usr/lib/openssh/sftp-server; do
	command -v "$b" >/dev/null 2>&1 || [ -x "$b" ] || { echo "host lacks $b"; exit 77; }
done
ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
	{ echo "busybox is not static (install busybox-static)"; exit 77; }

# Rebuild only when the kernel or this script changed.
stamp="$kver $(cksum < "$0")"
[ -f "$out/base.cpio.gz" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ] && exit 0

root=$(mktemp -d "${TMPDIR:-/tmp}/doptop-vmroot.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin "$root"/lib64 \
	"$root"/etc/ssh "$root"/root/.ssh "$root"/proc "$root"/sys "$root"/dev \
	"$root"/run/sshd "$root"/tmp "$root"/mnt "$root"/var/empty "$root"/usr/lib/openssh \
	"$root"/lib/modules
chmod 700 "$root/root/.ssh"; chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for b in bash sshfs fusermount3 ssh /usr/sbin/sshd /usr/lib/openssh/sftp-server; do
	b=$(command -v "$b")
	mkdir -p "$root$(dirname "$b")"
	cp "$b" "$root$b"
	ldd "$b" | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' | while read -r l; do
		mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"
	done
done
ln -sf /usr/bin/bash "$root/bin/bash" 2>/dev/null || true
# Modules in load order (modprobe resolves the dependencies here, once).
mods=""
for m in virtio_pci virtio_net virtio_blk virtio_rng fuse; do
	for p in $(modprobe -S "$kver" --show-depends "$m" | awk '$1=="insmod"{print $2}'); do
		case " $mods " in *" $p "*) ;; *) mods="$mods $p" ;; esac
	done
done
for p in $mods; do cp "$p" "$root/lib/modules/$(basename "$p")"; done
printf '%s\n' $mods | xargs -n1 basename > "$root/lib/modules/order"

cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/bash
sshd:x:100:65534::/run/sshd:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n' > "$root/etc/shadow"
chmod 600 "$root/etc/shadow"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' > "$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n10.0.2.2 vmhost\n' > "$root/etc/hosts"
cat > "$root/etc/ssh/sshd_config" <<'S'
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile /run/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
MaxStartups 100
MaxSessions 100
S
cat > "$root/init" <<'I'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/pts; mount -t devpts devpts /dev/pts
while read -r m; do insmod /lib/modules/$m; done < /lib/modules/order
hostname "$(cat /etc/hostname)"
ip link set lo up; ip link set eth0 up
addr=10.0.2.15/24 gw=10.0.2.2
[ -r /etc/net ] && read -r addr gw < /etc/net
ip addr add "$addr" dev eth0; ip route add default via "$gw"
[ -x /etc/rc.local ] && /etc/rc.local
/usr/sbin/sshd -E /tmp/sshd.log
echo "doptop-guest-ready $(hostname)" > /dev/console
while :; do sleep 3600; done
I
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/base.cpio.gz.tmp"
mv "$out/base.cpio.gz.tmp" "$out/base.cpio.gz"
cp "/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$stamp" > "$out/stamp"
