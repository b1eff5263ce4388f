#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for tests: munged, slurmctld and slurmd with its CPUs,
# all state under one folder. `local-cluster.sh start DIR` prints the SLURM_CONF to export;
# `local-cluster.sh stop DIR` stops the daemons. Needs root (slurmd runs jobs as their user) and
# Debian's slurm-wlm and munge.
set -euo pipefail
action=${1:?usage: local-cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: local-cluster.sh start|stop DIR}")

stop() {
  for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
}

case $action in
stop) stop; exit 0 ;;
start) ;;
*) echo "local-cluster.sh: unknown action '$action'" >&2; exit 2 ;;
esac

for tool in munged slurmctld slurmd sbatch; do
  command -v "$tool" >/dev/null || { echo "local-cluster.sh: $tool is missing (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
stop
mkdir -p "$dir"/{spool,state,munge,log}
chmod 700 "$dir"/munge
host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))

# Munge authenticates the daemons to each other; a key of our own keeps the system's untouched.
[ -f "$dir"/munge/munge.key ] || dd if=/dev/urandom of="$dir"/munge/munge.key bs=1 count=1024 status=none
chmod 400 "$dir"/munge/munge.key
munged --force --key-file="$dir"/munge/munge.key --socket="$dir"/munge/socket \
  --pid-file="$dir"/munged.pid --log-file="$dir"/log/munged.log --seed-file="$dir"/munge/seed

cat > "$dir"/slurm.conf <<CONF
ClusterName=sckd-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MinJobAge=3600
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF="$dir"/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 1
done
echo "local-cluster.sh: the node did not come up; logs in $dir/log" >&2
tail -n 5 "$dir"/log/*.log >&2
exit 1
