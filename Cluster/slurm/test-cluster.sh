#!/usr/bin/env bash
# `make test-cluster`: a one-node Slurm cluster on this machine enhances a short clip as a job array
# and joins it; the joined video must hold every frame, in order, with the source's audio, and
# match a one-machine run (PSNR >= 45 dB on every frame). Then a task is killed mid-run: the join
# must not run, and re-submitting the array must redo that segment alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${TEST_CLUSTER_DIR:-$root/.cache/test-cluster}
sckd=$root/.build/release/sckd
model=${TEST_CLUSTER_MODEL:-ldfc-net-rt}
rm -rf "$work/data" && mkdir -p "$work/data"
cd "$work/data"

cleanup() { bash "$root/Cluster/slurm/local-cluster.sh" stop "$work/cluster"; }
trap cleanup EXIT
cluster_env=$(bash "$root/Cluster/slurm/local-cluster.sh" start "$work/cluster")
eval "$cluster_env"

say() { echo "test-cluster: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# Waits for jobs to leave the queue (at most $2 seconds); prints nothing.
wait_for() {
  local ids=$1 limit=$2
  for _ in $(seq "$limit"); do
    [ -z "$(squeue -h -j "$ids" 2>/dev/null)" ] && return 0
    sleep 1
  done
  squeue >&2; fail "jobs $ids still queued after ${limit}s"
}
state() { scontrol show job "$1" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' '; }

# 12 s of moving night-like video with audio, a keyframe every second, B-frames.
ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=320x180:rate=25:duration=12 -f lavfi -i sine=frequency=300:duration=12 \
  -vf "eq=brightness=-0.35:contrast=0.6,noise=alls=8:allf=t" -c:v libx264 -g 25 -bf 2 -c:a aac -shortest clip.mp4
options=(--model "$model" --codec ffv1)   # lossless: the comparison sees the enhancement, not the encoder

say "one machine: sckd enhance clip.mp4"
"$sckd" enhance clip.mp4 -o one-run.mkv "${options[@]}" --quiet

say "cluster: 4 array tasks of 1 CPU, then a dependent join"
ids=$(SCKD=$sckd SBATCH_OPTIONS="--cpus-per-task=1 --output=$work/data/%x-%A_%a.log" \
  "$root/Cluster/slurm/submit.sh" clip.mp4 joined.mkv --segments 4 -- "${options[@]}")
read -r array join <<< "$ids"
wait_for "$array,$join" 600
[ "$(state "$array")" = "COMPLETED " ] || fail "array job $array ended $(state "$array")"
[ "$(state "$join")" = "COMPLETED " ] || fail "join job $join ended $(state "$join")"
python3 "$root/Cluster/seams.py" joined.manifest.json joined.mkv one-run.mkv --min-psnr 45 || fail "joined video differs from one run"
src_audio=$(ffprobe -v error -select_streams a -count_packets -show_entries stream=nb_read_packets -of csv=p=0 clip.mp4)
out_audio=$(ffprobe -v error -select_streams a -count_packets -show_entries stream=nb_read_packets -of csv=p=0 joined.mkv)
[ "$src_audio" = "$out_audio" ] || fail "audio: $out_audio packets joined, $src_audio in the source"
say "joined: every frame, in order, audio whole ($out_audio packets)"

say "a killed task: segment 2's task is killed mid-run"
rm -rf joined.parts joined.mkv
cat > killer.sh <<KILLER
#!/usr/bin/env bash
# Runs sckd; for segment 2, kills it (and this task) with SIGKILL after a moment, as a node dies.
case " \$* " in
  *" --segment 2 "*) "$sckd" "\$@" & sleep 0.5; kill -KILL \$! \$\$ ;;
  *) exec "$sckd" "\$@" ;;
esac
KILLER
chmod +x killer.sh
ids=$(SCKD=$work/data/killer.sh SBATCH_OPTIONS="--cpus-per-task=1 --output=$work/data/%x-%A_%a.log" \
  "$root/Cluster/slurm/submit.sh" clip.mp4 joined.mkv --segments 4 -- "${options[@]}")
read -r array join <<< "$ids"
wait_for "$array,$join" 600
[[ "$(state "$array")" == *FAILED* ]] || fail "the killed task's array job ended $(state "$array")"
[ ! -e joined.mkv ] || fail "the join ran although a task failed"
[ ! -e joined.parts/part-0002.mkv ] || fail "a killed task left a part"
"$sckd" join joined.manifest.json -o joined.mkv 2>join.err && fail "join accepted a missing part"
grep -q "part 2 of 4 .* is missing" join.err || fail "join did not name the missing part: $(cat join.err)"
before=$(stat -c %Y joined.parts/part-0000.mkv joined.parts/part-0001.mkv joined.parts/part-0003.mkv)

say "re-submitting the same array: only segment 2 is enhanced again"
sleep 1
array=$(sbatch --parsable --cpus-per-task=1 --output="$work/data/rerun-%A_%a.log" --array=0-3 \
  --export=ALL,SCKD="$sckd" "$root/Cluster/slurm/enhance.sbatch" joined.manifest.json "${options[@]}")
join=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL,SCKD="$sckd" --output="$work/data/rejoin-%j.log" \
  "$root/Cluster/slurm/join.sbatch" joined.manifest.json joined.mkv)
wait_for "$array,$join" 600
[ "$(state "$join")" = "COMPLETED " ] || fail "the re-run's join ended $(state "$join")"
after=$(stat -c %Y joined.parts/part-0000.mkv joined.parts/part-0001.mkv joined.parts/part-0003.mkv)
[ "$before" = "$after" ] || fail "complete parts were enhanced again"
skipped=$(cat rerun-"$array"_*.log | grep -c "is complete: skipped" || true)
[ "$skipped" = 3 ] || fail "$skipped tasks skipped their complete part, not 3"
python3 "$root/Cluster/seams.py" joined.manifest.json joined.mkv one-run.mkv --min-psnr 45 || fail "re-run's joined video differs"
say "passed"
