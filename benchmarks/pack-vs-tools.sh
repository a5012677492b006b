#!/usr/bin/env bash
# pack-vs-tools.sh: whole-process timings of package layer, through
# benchmarks/cmd/mklayer, against standard tools doing the same work in
# one read of the files: a reproducible tar, the sha256 of the tar stream
# (the diffID) and the sha256 of the compressed stream (the digest),
#
#   tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c . \
#     | tee FIFO1 | COMPRESSOR | tee FIFO2 > layer   (HASH < FIFO1, HASH < FIFO2)
#
# with FIFOs so that both hashes are waited for and counted; or against
# `umoci insert` (pgzip), which writes an OCI layout. The two commands of
# a case alternate run by run (A B A B ...) after one untimed run each;
# every ratio (ours / baseline, time) is taken pair by pair, and the
# table gives the median and the range of the per-pair ratios.
#
# usage: benchmarks/pack-vs-tools.sh [CASE...]
#   cases: tree-gzip tree-zstd tree-none tree-umoci big-gzip big-zstd big-none big-umoci
#          (tree: a copy of GOROOT's src, test, api, lib, doc, misc, pkg, 221 MB in
#          15,000 files; big: one 1 GiB file, alternating 4 MiB of random bytes and
#          Go source)
#   default: all but the umoci ones, then those if umoci is installed
# environment:
#   PAIRS=5            pairs of runs per case
#   HASH=openssl       the baselines' hash: openssl (openssl dgst -sha256) or sha256sum
#   DATA=/tmp/ocispec-pack-data   where the inputs are generated (once; 1.3 GB)
#   WORK=$(mktemp -d)  where layers are written (removed at the end)
#   MKLAYER_FLAGS=     extra flags for mklayer (e.g. -level 8)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PAIRS=${PAIRS:-5}
HASH=${HASH:-openssl}
DATA=${DATA:-${TMPDIR:-/tmp}/ocispec-pack-data}
MKLAYER_FLAGS=${MKLAYER_FLAGS:-}
own_work=0
if [[ -z ${WORK:-} ]]; then
	WORK=$(mktemp -d)
	own_work=1
fi
cleanup() { if ((own_work)); then rm -rf "$WORK"; fi; }
trap cleanup EXIT

case $HASH in
openssl) hashcmd="openssl dgst -sha256" ;;
sha256sum) hashcmd="sha256sum" ;;
*) echo "HASH must be openssl or sha256sum" >&2; exit 2 ;;
esac

for tool in tar pigz zstd "${HASH}" /usr/bin/time go; do
	command -v "$tool" >/dev/null || { echo "pack-vs-tools: $tool is required" >&2; exit 2; }
done

mklayer=$WORK/mklayer
(cd "$here/.." && go build -o "$mklayer" ./benchmarks/cmd/mklayer)
if [[ ! -f $DATA/bigdir/big1g.bin || ! -d $DATA/tree ]]; then
	echo "generating the inputs in $DATA ..." >&2
	"$mklayer" -gen "$DATA"
fi

taropts="--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner"
w=$WORK

# baseline DIR COMPRESSOR: the shell command of the tools' pipeline.
baseline() {
	local dir=$1 comp=$2
	local mid="| $comp"
	[[ $comp == cat ]] && mid=""
	echo "rm -f $w/f1 $w/f2 $w/base.layer; mkfifo $w/f1 $w/f2;" \
		"$hashcmd < $w/f1 > $w/diffid & $hashcmd < $w/f2 > $w/digest &" \
		"tar $taropts -C $dir -c . | tee $w/f1 $mid | tee $w/f2 > $w/base.layer; wait"
}

umoci_cmd() {
	local dir=$1
	echo "rm -rf $w/umoci && umoci init --layout $w/umoci && umoci new --image $w/umoci:t" \
		"&& umoci insert --image $w/umoci:t $dir / >/dev/null"
}

ours() { echo "$mklayer $MKLAYER_FLAGS -c $2 -o $w/ours.layer $1 >/dev/null"; }

# timed CMD: prints "wall cpu" of one run of CMD with its children,
# after writing back what earlier runs left dirty (untimed).
timed() {
	rm -f "$w/ours.layer" "$w/base.layer"
	sync
	/usr/bin/time -f '%e %U %S' -o "$w/time" bash -c "$1"
	awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$w/time"
}

# median and range of a column of numbers
stats() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f %.2f", m, a[1], a[NR]}'; }

run_case() {
	local name=$1 a b label
	local dir=$DATA/tree
	[[ $name == big-* ]] && dir=$DATA/bigdir
	case $name in
	*-gzip) a=$(ours "$dir" gzip); b=$(baseline "$dir" "pigz -6"); label="pigz -6, $HASH" ;;
	*-zstd) a=$(ours "$dir" zstd); b=$(baseline "$dir" "zstd -3 -T0 -q"); label="zstd -3 -T0, $HASH" ;;
	*-none) a=$(ours "$dir" none); b=$(baseline "$dir" cat); label="tar | tee, two $HASH" ;;
	*-umoci) a=$(ours "$dir" gzip); b=$(umoci_cmd "$dir"); label="umoci insert" ;;
	*) echo "unknown case $name" >&2; return 2 ;;
	esac
	bash -c "$a"
	bash -c "$b" # untimed: page cache, binaries
	local sa sb
	sa=$(stat -c %s "$w/ours.layer")
	if [[ $name == *-umoci ]]; then
		sb=$(find "$w/umoci/blobs" -type f -size +1M -printf '%s\n' | sort -n | tail -1)
	else
		sb=$(stat -c %s "$w/base.layer")
	fi
	: >"$w/pairs"
	for ((i = 0; i < PAIRS; i++)); do
		read -r aw ac < <(timed "$a")
		read -r bw bc < <(timed "$b")
		echo "$aw $ac $bw $bc" >>"$w/pairs"
	done
	local ow oc bwm bcm rw rc
	ow=$(awk '{print $1}' "$w/pairs" | stats)
	oc=$(awk '{print $2}' "$w/pairs" | stats)
	bwm=$(awk '{print $3}' "$w/pairs" | stats)
	bcm=$(awk '{print $4}' "$w/pairs" | stats)
	rw=$(awk '{print $1/$3}' "$w/pairs" | stats)
	rc=$(awk '{print $2/$4}' "$w/pairs" | stats)
	read -r owm _ _ <<<"$ow"
	read -r ocm _ _ <<<"$oc"
	read -r bwmm _ _ <<<"$bwm"
	read -r bcmm _ _ <<<"$bcm"
	read -r rwm rwlo rwhi <<<"$rw"
	read -r rcm _ _ <<<"$rc"
	printf "%-11s %-24s %6.2f (%5.2f, %4.2f) %6.2f (%5.2f, %4.2f)  %5.2f (%4.2f)  %4.2f-%4.2f  %2d  %11d %11d\n" \
		"$name" "$label" "$owm" "$ocm" "$(awk "BEGIN{print $ocm/$owm}")" "$bwmm" "$bcmm" "$(awk "BEGIN{print $bcmm/$bwmm}")" \
		"$rwm" "$rcm" "$rwlo" "$rwhi" "$PAIRS" "$sa" "$sb"
}

cases=("$@")
if ((${#cases[@]} == 0)); then
	cases=(tree-gzip tree-zstd tree-none big-gzip big-zstd big-none)
	command -v umoci >/dev/null && cases+=(tree-umoci big-umoci)
fi
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); mklayer $MKLAYER_FLAGS; median of $PAIRS pairs"
echo "# wall s (cpu s, cpu/wall); ratio = ours / baseline of time, median of the pairs (cpu ratio in brackets)"
printf "%-11s %-24s %-23s %-23s  %-12s  %-9s  %2s  %11s %11s\n" case baseline ours baseline ratio range n "ours bytes" "base bytes"
for c in "${cases[@]}"; do
	run_case "$c"
done
