#!/usr/bin/env bash
# registry-vs-tools.sh: whole-process timings of pushing an image with one
# 512 MiB layer to a local registry (docker-registry, plain HTTP) and of
# pulling it back into an OCI layout, for ocispec copy, skopeo copy and
# go-containerregistry's crane; and of the second push of the unchanged
# image (nothing to send). The commands of a case run in turn (ocispec,
# skopeo, crane, ocispec, ...) after one untimed run each; every ratio
# (ocispec / tool, time) is taken run by run, and the table gives the
# median and the range. Peak resident memory (max RSS) is the median too.
#
# usage: benchmarks/registry-vs-tools.sh [CASE...]
#   cases: push pull repush (default: all)
# environment:
#   RUNS=3           timed runs per command and case
#   SIZE=512M        the layer's size (head -c)
#   WORK=$(mktemp -d) where the image, the registry's storage and the pulls go
# needs: docker-registry, skopeo, crane
#   (go install github.com/google/go-containerregistry/cmd/crane@v0.22.1), go.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-3}
SIZE=${SIZE:-512M}
own_work=0
if [[ -z ${WORK:-} ]]; then
	WORK=$(mktemp -d)
	own_work=1
fi
w=$WORK
regpid=
cleanup() {
	[[ -n $regpid ]] && kill "$regpid" 2>/dev/null && wait "$regpid" 2>/dev/null
	if ((own_work)); then rm -rf "$WORK"; fi
}
trap cleanup EXIT

for tool in docker-registry skopeo crane /usr/bin/time go; do
	command -v "$tool" >/dev/null || { echo "registry-vs-tools: $tool is required" >&2; exit 2; }
done

ocispec=$w/ocispec
(cd "$here/../cmd/ocispec" && go build -o "$ocispec" .)

# The image: one uncompressed tar layer of SIZE random bytes.
mkdir -p "$w/rootfs"
head -c "$SIZE" /dev/urandom >"$w/rootfs/data"
"$ocispec" pack --quiet --layer "tar=$w/rootfs" "oci:$w/image:v1" >/dev/null
rm -rf "$w/rootfs"

# The registry, on a free port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
host=127.0.0.1:$port
cat >"$w/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $w/storage
  delete:
    enabled: true
http:
  addr: $host
EOF
docker-registry serve "$w/registry.yml" >"$w/registry.log" 2>&1 &
regpid=$!
for _ in $(seq 100); do
	curl -fs "http://$host/v2/" >/dev/null 2>&1 && break
	sleep 0.1
done

# skopeo remembers where it pushed a blob (its blob-info cache) and mounts
# it from there rather than uploading it: its pushes start without it,
# so that all three upload the layer. Every pull ends with a sync (ours
# syncs each blob before naming it; the tools do not), so that all three
# leave the image on disk.
nocache="rm -f /var/lib/containers/cache/blob-info-cache-v1.* $HOME/.local/share/containers/cache/blob-info-cache-v1.*"

# The commands. N is the run number: each push goes to a new repository
# (the registry asks for every blob again), each pull into a new folder.
cmd() {
	local tool=$1 case=$2 n=$3
	case $tool/$case in
	ocispec/push) echo "$ocispec copy --quiet --plain-http oci:$w/image:v1 docker://$host/o$n:v1" ;;
	skopeo/push) echo "$nocache; skopeo copy -q --dest-tls-verify=false oci:$w/image:v1 docker://$host/s$n:v1" ;;
	crane/push) echo "crane push --insecure $w/image $host/c$n:v1 >/dev/null 2>&1" ;;
	ocispec/repush) echo "$ocispec copy --quiet --plain-http oci:$w/image:v1 docker://$host/o0:v1" ;;
	skopeo/repush) echo "skopeo copy -q --dest-tls-verify=false oci:$w/image:v1 docker://$host/s0:v1" ;;
	crane/repush) echo "crane push --insecure $w/image $host/c0:v1 >/dev/null 2>&1" ;;
	ocispec/pull) echo "rm -rf $w/pull; $ocispec copy --quiet --plain-http docker://$host/o0:v1 oci:$w/pull:v1; sync" ;;
	skopeo/pull) echo "rm -rf $w/pull; skopeo copy -q --src-tls-verify=false docker://$host/o0:v1 oci:$w/pull:v1; sync" ;;
	crane/pull) echo "rm -rf $w/pull; crane pull --insecure --format oci $host/o0:v1 $w/pull 2>/dev/null; sync" ;;
	esac
}

# timed CMD: "wall maxrss_kib" of one run, after a sync (untimed).
timed() {
	sync
	/usr/bin/time -f '%e %M' -o "$w/time" bash -c "$1" >/dev/null
	cat "$w/time"
}

stats() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f %.2f", m, a[1], a[NR]}'; }

run_case() {
	local c=$1 tool i
	for tool in ocispec skopeo crane; do
		bash -c "$(cmd $tool "$c" 0)" >/dev/null # untimed: repositories 0, caches
	done
	: >"$w/runs"
	for ((i = 1; i <= RUNS; i++)); do
		local line=""
		for tool in ocispec skopeo crane; do
			line+="$(timed "$(cmd $tool "$c" "$i")") "
		done
		echo "$line" >>"$w/runs"
	done
	# columns: ow om sw sm cw cm
	local o s cr rs rc om sm cm
	o=$(awk '{print $1}' "$w/runs" | stats)
	s=$(awk '{print $3}' "$w/runs" | stats)
	cr=$(awk '{print $5}' "$w/runs" | stats)
	rs=$(awk '{print $1/$3}' "$w/runs" | stats)
	rc=$(awk '{print $1/$5}' "$w/runs" | stats)
	om=$(awk '{print $2/1024}' "$w/runs" | stats)
	sm=$(awk '{print $4/1024}' "$w/runs" | stats)
	cm=$(awk '{print $6/1024}' "$w/runs" | stats)
	printf "%-7s %8s %8s %8s   %-18s %-18s   %6s %6s %6s\n" "$c" "${o%% *}" "${s%% *}" "${cr%% *}" \
		"$(awk '{printf "%s (%s-%s)", $1, $2, $3}' <<<"$rs")" "$(awk '{printf "%s (%s-%s)", $1, $2, $3}' <<<"$rc")" \
		"${om%% *}" "${sm%% *}" "${cm%% *}"
}

cases=("$@")
((${#cases[@]})) || cases=(push pull repush)
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); a $SIZE layer; local registry over plain HTTP; median of $RUNS runs"
echo "# wall s; ratio = ocispec / tool of time, median (range) of the runs; max RSS MiB"
printf "%-7s %8s %8s %8s   %-18s %-18s   %6s %6s %6s\n" case ocispec skopeo crane "÷ skopeo" "÷ crane" "MiB o" "MiB s" "MiB c"
for c in "${cases[@]}"; do
	run_case "$c"
done
