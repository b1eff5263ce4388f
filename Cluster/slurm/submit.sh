#!/usr/bin/env bash
# Plans, submits one array task per segment and a join that waits for all of them; prints the
# array's and the join's job ids. Run it where the cluster's nodes see the same files.
#   Cluster/slurm/submit.sh INPUT OUTPUT [--segments N | --segment-seconds S] [-- sckd enhance options]
# Environment: SCKD (the sckd binary, default `sckd`), SBATCH_OPTIONS (e.g. "--partition=gpu
# --cpus-per-task=8"), MANIFEST (default OUTPUT's name + .manifest.json).
set -euo pipefail
usage="usage: submit.sh INPUT OUTPUT [--segments N | --segment-seconds S] [-- sckd enhance options]"
input=${1:?$usage}
output=${2:?$usage}
shift 2
split=(--segment-seconds 300)
if [ $# -gt 0 ] && [ "$1" != "--" ]; then split=("$1" "${2:?$usage}"); shift 2; fi
[ "${1:-}" = "--" ] && shift
here=$(cd "$(dirname "$0")" && pwd)
manifest=${MANIFEST:-${output%.*}.manifest.json}
sckd=${SCKD:-sckd}
export SCKD=$sckd

count=$("$sckd" plan "$input" "${split[@]}" -o "$manifest" -y)
# shellcheck disable=SC2086  # SBATCH_OPTIONS is a list of options
array=$(sbatch --parsable ${SBATCH_OPTIONS:-} --array=0-$((count - 1)) "$here/enhance.sbatch" "$manifest" "$@")
# shellcheck disable=SC2086
join=$(sbatch --parsable ${SBATCH_OPTIONS:-} --dependency=afterok:"$array" --kill-on-invalid-dep=yes "$here/join.sbatch" "$manifest" "$output")
echo "$count segments: array job $array, join job $join -> $output" >&2
echo "$array $join"
