#!/usr/bin/env bash
# rows.sh: whole-process timings of the ocispec command against the tool
# that does the same work, one row per pair:
#
#   help         ocispec --help                vs an empty Go program, both
#                built the same way: CGO_ENABLED=0 (static, as the README
#                recommends building the command)
#   help-lib, help-oras, help-plugins, help-goplugin
#                a program that links the command's library packages and
#                cobra (lib), then also the registry bridge (oras), then
#                also plugin hosting (plugins), or go-plugin alone and
#                nothing of ocispec (goplugin), and does nothing,
#                vs the empty program: what linking alone costs at start-up
#                (cmd/ocispec/internal/linkonly; not in the default rows)
#   digest       ocispec digest of N 4 KiB files vs openssl dgst -sha256 of them
#   verify       ocispec verify of an image of L uncompressed layers
#                                               vs openssl dgst -sha256 of its blobs
#   copy         ocispec copy oci:IMG oci:NEW (same file system) vs ocispec verify IMG
#   pack-umoci   ocispec pack (tar+gzip) of one big file vs umoci init+new+insert
#   pack-pigz    ocispec pack (tar+gzip) of the tree vs tar | pigz -6 with both hashes
#   pack-zstd-big, pack-zstd-tree
#                ocispec pack --layer tar+zstd=DIR vs tar | zstd -3 -T0 with both hashes
#   pack-tar     ocispec pack --layer tar=DIR (uncompressed) of the big file
#                                               vs tar | tee with both hashes
#   zstd-floor-big, zstd-floor-tree
#                zstdfloor TAR (benchmarks/cmd/zstdfloor: the zstd encoder
#                alone, at the options and so the bytes of pack's tar+zstd
#                layers, on the folder's tar stream read into memory first,
#                its output thrown away) vs the baseline of pack-zstd-big,
#                pack-zstd-tree: the serial encoding that any layer of
#                those bytes costs, so the lowest ratio those rows can reach
#
# "Both hashes" is what pack computes in its one read: the sha256 of the tar
# stream (diffID) and of the compressed stream (digest); the baselines run
#   tar --sort=name ... -c . | tee FIFO1 | COMPRESSOR | tee FIFO2 > layer
# with openssl dgst -sha256 reading each FIFO, all waited for.
#
# The two commands of a row alternate run by run (A B A B ...) after one
# untimed run each; before every timed run, outputs are removed and dirty
# pages written back (sync), untimed. Each ratio is ours / baseline of
# wall time (below 1: ocispec faster), taken pair by pair; a row prints the
# median ratio, the range of the per-pair ratios, the CPU-time ratio and the
# medians of both sides.
#
# usage: benchmarks/rows.sh [ROW...]      (default: every row; pack-umoci
#                                          only when umoci is installed)
# environment (defaults give the sizes of the published table):
#   PAIRS=5          pairs per row (help: 10 x PAIRS)
#   BIG_MIB=1024     the big file: alternating 4 MiB of random bytes and Go source
#   TREE_DIRS="src test api lib doc misc pkg"   folders of GOROOT copied as the tree
#   SMALL_FILES=10000
#   LAYERS=4 LAYER_MIB=256   the image verify and copy read
#   DATA=${TMPDIR:-/tmp}/ocispec-rows-data    inputs, generated once per size
#   OCISPEC=         a built ocispec to measure (default: built from this tree
#                    with CGO_ENABLED=0, like the empty program)
# Not part of scripts/test: with the defaults it takes about 15 minutes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PAIRS=${PAIRS:-5}
BIG_MIB=${BIG_MIB:-1024}
TREE_DIRS=${TREE_DIRS:-"src test api lib doc misc pkg"}
SMALL_FILES=${SMALL_FILES:-10000}
LAYERS=${LAYERS:-4}
LAYER_MIB=${LAYER_MIB:-256}
DATA=${DATA:-${TMPDIR:-/tmp}/ocispec-rows-data}

for tool in go tar pigz zstd openssl python3 sync; do
	command -v "$tool" >/dev/null || { echo "rows.sh: $tool is required" >&2; exit 2; }
done

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
oc=${OCISPEC:-}
if [[ -z $oc ]]; then
	oc=$w/ocispec
	(cd "$here/../cmd" && CGO_ENABLED=0 go build -o "$oc" ./ocispec)
fi
mkdir -p "$w/empty"
printf 'package main\n\nfunc main() {}\n' >"$w/empty/main.go"
printf 'module empty\n\ngo 1.21\n' >"$w/empty/go.mod"
(cd "$w/empty" && CGO_ENABLED=0 go build -o "$w/empty-go" .)
# zstdfloor builds benchmarks/cmd/zstdfloor (once) and prints its path.
zstdfloor() {
	[[ -x $w/zstdfloor ]] || (cd "$here" && CGO_ENABLED=0 go build -o "$w/zstdfloor" ./cmd/zstdfloor)
	echo "$w/zstdfloor"
}
# linkonly NAME builds cmd/ocispec/internal/linkonly/NAME (once) and
# prints its path.
linkonly() {
	[[ -x $w/linkonly-$1 ]] || (cd "$here/../cmd" && CGO_ENABLED=0 go build -o "$w/linkonly-$1" "./ocispec/internal/linkonly/$1")
	echo "$w/linkonly-$1"
}

goroot=$(go env GOROOT)
mkdir -p "$DATA"
big=$DATA/big-${BIG_MIB}MiB
if [[ ! -f $big/big.bin ]]; then
	echo "rows.sh: generating $big ..." >&2
	mkdir -p "$big.tmp"
	(set +o pipefail; find "$goroot/src" -name '*.go' -print0 | sort -z | xargs -0 cat 2>/dev/null | head -c 4194304) >"$big.tmp/text"
	for ((i = 0; i < BIG_MIB / 4; i++)); do
		if ((i % 2 == 0)); then head -c 4194304 /dev/urandom; else cat "$big.tmp/text"; fi
	done >"$big.tmp/big.bin"
	rm "$big.tmp/text"
	mv "$big.tmp" "$big"
fi
tree=$DATA/tree-$(echo "$TREE_DIRS" | tr ' ' '_')
if [[ ! -d $tree ]]; then
	echo "rows.sh: copying $TREE_DIRS of $goroot to $tree ..." >&2
	mkdir -p "$tree.tmp"
	for d in $TREE_DIRS; do [[ -d $goroot/$d ]] && cp -r "$goroot/$d" "$tree.tmp/"; done
	mv "$tree.tmp" "$tree"
fi
small=$DATA/small-$SMALL_FILES
if [[ ! -d $small ]]; then
	echo "rows.sh: writing $SMALL_FILES files of 4 KiB to $small ..." >&2
	mkdir -p "$small.tmp"
	head -c $((4096 * SMALL_FILES)) /dev/urandom | (cd "$small.tmp" && split -b 4096 -a 6 -d - f)
	mv "$small.tmp" "$small"
fi
img=$DATA/image-${LAYERS}x${LAYER_MIB}MiB
if [[ ! -f $img/index.json ]]; then
	echo "rows.sh: packing $img ..." >&2
	rm -rf "$img" "$img.src"
	args=()
	for ((i = 0; i < LAYERS; i++)); do
		mkdir -p "$img.src/$i"
		head -c $((LAYER_MIB << 20)) /dev/urandom >"$img.src/$i/data"
		args+=(--layer "tar=$img.src/$i")
	done
	"$oc" pack "${args[@]}" "$img" >/dev/null
	rm -rf "$img.src"
fi

taropts="--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner"
# tools DIR COMPRESSOR: the baseline pipeline, both hashes waited for.
tools() {
	local mid="| $2"
	[[ $2 == cat ]] && mid=""
	echo "mkfifo $w/f1 $w/f2; openssl dgst -sha256 < $w/f1 > $w/diffid & openssl dgst -sha256 < $w/f2 > $w/digest &" \
		"tar $taropts -C $1 -c . | tee $w/f1 $mid | tee $w/f2 > $w/base.layer; wait"
}
clean="rm -rf $w/out $w/copy $w/umoci $w/f1 $w/f2 $w/base.layer; sync"

# Rows: name, then ours and the baseline, each as "untimed preparation"
# and "timed command", tab-separated.
rows=$w/rows.tsv
: >"$rows"
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"; }
selected=("$@")
if ((${#selected[@]} == 0)); then
	selected=(help digest verify copy pack-pigz pack-zstd-big pack-zstd-tree zstd-floor-big zstd-floor-tree pack-tar)
	command -v umoci >/dev/null && selected+=(pack-umoci)
fi
for r in "${selected[@]}"; do
	case $r in
	help) row help "--help vs an empty Go program" "true" "$oc --help" "true" "$w/empty-go" ;;
	help-lib | help-oras | help-plugins | help-goplugin)
		row "$r" "a program linking ${r#help-} (cmd/ocispec/internal/linkonly) vs an empty Go program" \
			"true" "$(linkonly "${r#help-}")" "true" "$w/empty-go" ;;
	digest) row digest "digest of $SMALL_FILES files of 4 KiB vs openssl dgst -sha256" \
		"true" "$oc digest $small/*" "true" "openssl dgst -sha256 $small/*" ;;
	verify) row verify "verify, $LAYERS layers of $LAYER_MIB MiB, vs openssl dgst -sha256 of the blobs" \
		"true" "$oc verify $img" "true" "openssl dgst -sha256 $img/blobs/sha256/*" ;;
	copy) row copy "copy oci:→oci: on one file system vs verify of the same image" \
		"$clean" "$oc copy oci:$img oci:$w/copy" "$clean" "$oc verify $img" ;;
	pack-umoci) row pack-umoci "pack tar+gzip, $BIG_MIB MiB file, vs umoci insert" \
		"$clean" "$oc pack $big $w/out" \
		"$clean" "umoci init --layout $w/umoci && umoci new --image $w/umoci:t && umoci insert --image $w/umoci:t $big / >/dev/null" ;;
	pack-pigz) row pack-pigz "pack tar+gzip, tree, vs tar | pigz -6 + both hashes" \
		"$clean" "$oc pack $tree $w/out" "$clean" "$(tools "$tree" "pigz -6")" ;;
	pack-zstd-big) row pack-zstd-big "pack tar+zstd, $BIG_MIB MiB file, vs tar | zstd -3 -T0 + both hashes" \
		"$clean" "$oc pack --layer tar+zstd=$big $w/out" "$clean" "$(tools "$big" "zstd -q -3 -T0")" ;;
	pack-zstd-tree) row pack-zstd-tree "pack tar+zstd, tree, vs tar | zstd -3 -T0 + both hashes" \
		"$clean" "$oc pack --layer tar+zstd=$tree $w/out" "$clean" "$(tools "$tree" "zstd -q -3 -T0")" ;;
	zstd-floor-big | zstd-floor-tree)
		d=$big
		[[ $r == zstd-floor-tree ]] && d=$tree
		[[ -f $d.tar ]] || tar $taropts -C "$d" -cf "$d.tar" .
		row "$r" "the zstd encoder alone on the ${r#zstd-floor-} layer's tar stream vs tar | zstd -3 -T0 + both hashes" \
			"$clean" "$(zstdfloor) $d.tar" "$clean" "$(tools "$d" "zstd -q -3 -T0")" ;;
	pack-tar) row pack-tar "pack --layer tar, $BIG_MIB MiB file, vs tar | tee + both hashes" \
		"$clean" "$oc pack --layer tar=$big $w/out" "$clean" "$(tools "$big" cat)" ;;
	*) echo "rows.sh: unknown row $r" >&2; exit 2 ;;
	esac
done

echo "# ocispec $(git -C "$here" describe --always --dirty 2>/dev/null || echo ?); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); big ${BIG_MIB} MiB, tree: $TREE_DIRS ($(du -sm "$tree" | cut -f1) MB), $SMALL_FILES small files, image ${LAYERS}x${LAYER_MIB} MiB"
PAIRS=$PAIRS python3 - "$rows" <<'PY'
import os, shlex, statistics, subprocess, sys, time

def run(cmd, timed):
    """Runs cmd (directly when it needs no shell); returns wall and CPU seconds."""
    needs_shell = any(c in cmd for c in "|&;<>*$()")
    argv = ["bash", "-c", cmd] if needs_shell else shlex.split(cmd)
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read()
    if p.returncode != 0:
        sys.exit(f"rows.sh: {cmd!r} exited {p.returncode}: {err.decode(errors='replace')[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime

def prep(cmd):
    if cmd != "true":
        subprocess.run(["bash", "-c", cmd], check=True)

pairs = int(os.environ["PAIRS"])
print("| row | what | ours wall s (cpu) | baseline wall s (cpu) | ratio wall | range | ratio cpu | pairs |")
print("|---|---|---|---|---|---|---|---|")
for line in open(sys.argv[1]):
    name, what, prep_a, cmd_a, prep_b, cmd_b = line.rstrip("\n").split("\t")
    n = pairs * 10 if name.startswith("help") else pairs
    for p, c in ((prep_a, cmd_a), (prep_b, cmd_b)):  # untimed first runs
        prep(p); run(c, False)
    a, b = [], []
    for _ in range(n):
        prep(prep_a); a.append(run(cmd_a, True))
        prep(prep_b); b.append(run(cmd_b, True))
    ratios = [x[0] / y[0] for x, y in zip(a, b)]
    cpu = statistics.median(x[1] for x in a) / max(statistics.median(y[1] for y in b), 1e-9)
    med = lambda v, i: statistics.median(x[i] for x in v)
    what = what.replace("|", "\\|")
    print(f"| {name} | {what} | {med(a,0):.4g} ({med(a,1):.3g}) | {med(b,0):.4g} ({med(b,1):.3g}) | "
          f"**{statistics.median(ratios):.2f}** | {min(ratios):.2f}–{max(ratios):.2f} | {cpu:.2f} | {n} |", flush=True)
PY
