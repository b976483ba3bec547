#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the cluster tests and CI
# (docs/cluster.md):
#
#   scripts/cluster-local.sh start    # install if missing, configure, start, wait until idle
#   scripts/cluster-local.sh status   # what runs, and sinfo
#   scripts/cluster-local.sh stop     # end the daemons it started (by their pid files)
#
# start installs slurm-wlm, munge, openmpi-bin and libopenmpi-dev with apt-get when they
# are missing, writes /etc/slurm/slurm.conf (one node with this machine's CPUs and memory,
# select/cons_tres, proctrack/pgid, no accounting database) unless the machine already has
# a slurm.conf that is not ours, and starts munged (as the munge user, on its own socket),
# slurmctld and slurmd. Their state, logs and pid files are in $DPL_SLURM_DIR (default
# /var/tmp/dpl-slurm). It needs root (or sudo); it never asks for input.
set -euo pipefail

dir="${DPL_SLURM_DIR:-/var/tmp/dpl-slurm}"
conf=/etc/slurm/slurm.conf
marker="# Written by dpl scripts/cluster-local.sh"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo -n"

say() { echo "cluster-local: $*" >&2; }
die() { say "$1"; exit "${2:-1}"; }

# The pid in a pid file, if that process still runs.
running() {
  local pid
  [ -f "$1" ] && pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

install_missing() {
  local need=() pkg
  for pkg in slurm-wlm munge openmpi-bin libopenmpi-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  [ ${#need[@]} -eq 0 ] && return
  say "installing ${need[*]}"
  $sudo_cmd apt-get update -qq </dev/null
  # The packages' own service start (no systemd here) is not needed: this script starts them.
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" </dev/null >/dev/null
}

write_conf() {
  if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
    die "$conf exists and was not written by this script; this machine has its own SLURM (use it, or move that file aside)" 73
  fi
  local host cpus mem
  host=$(hostname -s)
  # slurmd -C prints this machine's node line: CPUs, sockets, cores, threads, RealMemory.
  cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n 1)
  mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n 1)
  # A little memory stays with the system, so slurmd does not drain the node when the
  # kernel reports slightly less than at configuration time.
  mem=$(( mem * 95 / 100 ))
  $sudo_cmd mkdir -p "$dir/state" "$dir/spool" "$(dirname "$conf")"
  $sudo_cmd tee "$conf.tmp" >/dev/null <<EOF
$marker for a single-node test cluster.
# State, logs and pid files: $dir. Remove this file once the cluster is not needed.
ClusterName=dpl
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire is also how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$(( mem / cpus ))
SchedulerType=sched/backfill
# A requeued task starts within seconds of becoming eligible, not at the next minute.
SchedulerParameters=sched_interval=2,bf_interval=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
# Finished jobs stay visible to scontrol for 10 minutes; a signalled job has 30 s to end.
MinJobAge=600
KillWait=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  $sudo_cmd mv "$conf.tmp" "$conf"
}

start_munge() {
  if running "$dir/munge/munged.pid" >/dev/null; then return; fi
  local key=/etc/munge/munge.key
  if [ ! -f "$key" ]; then
    say "creating $key"
    $sudo_cmd mkdir -p /etc/munge
    $sudo_cmd dd if=/dev/urandom of="$key" bs=1 count=1024 status=none
    $sudo_cmd chown munge:munge "$key"
    $sudo_cmd chmod 0400 "$key"
  fi
  # munged refuses a key not owned by its user, so it runs as munge, in a folder of its own.
  $sudo_cmd mkdir -p "$dir/munge"
  $sudo_cmd chown munge:munge "$dir/munge"
  $sudo_cmd chmod 0755 "$dir/munge"
  $sudo_cmd runuser -u munge -- munged --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" </dev/null
}

start() {
  install_missing
  write_conf
  $sudo_cmd mkdir -p "$dir"
  start_munge
  running "$dir/slurmctld.pid" >/dev/null || $sudo_cmd slurmctld </dev/null
  running "$dir/slurmd.pid" >/dev/null || $sudo_cmd slurmd </dev/null
  local deadline=$(( $(date +%s) + 60 )) state=""
  while :; do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1 || true)
    case "$state" in
      idle | mix | alloc) break ;;
      # A node left down or drained by an earlier start is taken back.
      down* | drain* | drng*) $sudo_cmd scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      die "the node is not idle after 60 s (sinfo: '${state:-no answer}'); see $dir/slurmctld.log and $dir/slurmd.log" 69
    fi
    sleep 1
  done
  say "running: $(sinfo -h -N -o '%N %t %c CPUs %m MB' | head -n 1) (state, logs: $dir)"
}

stop() {
  local name pid file
  for name in slurmd slurmctld munge/munged; do
    file="$dir/$name.pid"
    if pid=$(running "$file"); then
      $sudo_cmd kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && say "warning: ${name#munge/} ($pid) still runs after 10 s"
      say "stopped ${name#munge/} ($pid)"
    fi
  done
}

status() {
  local name pid
  for name in munge/munged slurmctld slurmd; do
    if pid=$(running "$dir/$name.pid"); then say "${name#munge/}: running ($pid)"; else say "${name#munge/}: not running"; fi
  done
  command -v sinfo >/dev/null && sinfo 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: scripts/cluster-local.sh start|stop|status" >&2; exit 64 ;;
esac
