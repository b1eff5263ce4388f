#!/usr/bin/env bash
# Wall time of one video on the one-node cluster with 1, 2, 4 … array tasks against one
# `sckd enhance` (the cost of splitting), and the seams of each joined output.
#   bash Cluster/slurm/measure.sh CLIP [TASKS…] [-- sckd enhance options]     (default tasks: 1 2 4)
# The node's CPUs are shared out: each task gets CPUs / tasks of them (at least 1; more tasks than
# CPUs queue). Results under .cache/measure-cluster/, a summary on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
clip=$(realpath "${1:?usage: measure.sh CLIP [TASKS…] [-- sckd enhance options]}")
shift
tasks=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do tasks+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#tasks[@]} -gt 0 ] || tasks=(1 2 4)
options=("$@")
sckd=$root/.build/release/sckd
work=${MEASURE_DIR:-$root/.cache/measure-cluster}
mkdir -p "$work"
cluster_env=$(bash "$root/Cluster/slurm/local-cluster.sh" start "$work/cluster")
eval "$cluster_env"
trap 'bash "$root/Cluster/slurm/local-cluster.sh" stop "$work/cluster"' EXIT
cpus=$(nproc)
cd "$work"

# The one-machine run is kept for the same clip and options (re-measuring splits is cheaper);
# ONE_RUN_SECONDS=S skips it (a long clip on a small machine), comparing with S instead.
key="$clip $(stat -c %s "$clip") ${options[*]}"
one_run=one-run.mp4
if [ -n "${ONE_RUN_SECONDS:-}" ]; then
  single=$ONE_RUN_SECONDS
  one_run=
elif [ -f one-run.mp4 ] && [ "$(cat one-run.key 2>/dev/null)" = "$key" ]; then
  single=$(cat one-run.seconds)
else
  start=$(date +%s.%N)
  "$sckd" enhance "$clip" -o one-run.mp4 -y --quiet "${options[@]}"
  single=$(echo "$(date +%s.%N) - $start" | bc)
  echo "$single" > one-run.seconds
  echo "$key" > one-run.key
fi
printf 'one sckd enhance: %.1f s%s\n' "$single" "${ONE_RUN_SECONDS:+ (given, not measured)}"

for n in "${tasks[@]}"; do
  per=$(( cpus / n > 0 ? cpus / n : 1 ))
  rm -rf "split-$n".* "logs-$n" && mkdir -p "logs-$n"
  start=$(date +%s.%N)
  ids=$(SCKD=$sckd SBATCH_OPTIONS="--cpus-per-task=$per --output=$work/logs-$n/%x-%A_%a.log" \
    "$root/Cluster/slurm/submit.sh" "$clip" "split-$n.mp4" --segments "$n" -- "${options[@]}")
  read -r array join <<< "$ids"
  while [ -n "$(squeue -h -j "$array,$join")" ]; do sleep 1; done
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  state=$(scontrol show job "$join" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  # Each task's own enhancement time, as sckd reported it.
  times=$(grep -ho 'frames in [0-9.]* s' "logs-$n"/sckd-enhance-*.log | awk '{s = s " " $3} END {print s}')
  printf '%d task(s) x %d CPU(s): %.1f s wall (%.2fx one run), join %s; per task:%s s\n' \
    "$n" "$per" "$wall" "$(echo "$wall / $single" | bc -l)" "$state" "$times"
  python3 "$root/Cluster/seams.py" "split-$n.manifest.json" "split-$n.mp4" $one_run --min-psnr 0 --json "seams-$n.json" \
    | sed 's/^/    /'
done
