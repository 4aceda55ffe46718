#!/usr/bin/env python3
"""test_slurm.py — a campaign run for real by Slurm (deploy/slurm/pop3scan.sbatch) into a real
PostgreSQL: a one-machine cluster from Debian's slurm-wlm and munge (slurmctld and slurmd on
127.0.0.1 with a throwaway configuration, state directory, ports and munge key and socket), a
throwaway PostgreSQL 15 (tests/servers/postgres.sh), and p3testd on 0.0.0.0 (every 127.x.y.z
reaches it).

  - four array tasks scan the four shards of a /18: exactly 16,384 records, one per address,
    the same as one process scanning the /18 (pop3scan diff finds no change, and SQL agrees);
  - the same with one task killed (kill -9 of its pop3scan while it scans, found by the pid its
    scan row holds): history shows the shard killed and diff refuses the campaign; the task
    submitted again on its own (P3S_SHARDS) goes on from its --resume state, and the campaign
    is exact again, its shard run twice.

Every daemon is started in the foreground by this test and stopped by its pid, whatever
happens. Under a wrapper (valgrind) the range is a /22 (P3S_SLURM_CIDR).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import p3s

CIDR = os.environ.get("P3S_SLURM_CIDR") or ("127.0.0.0/22" if p3s.WRAP else "127.0.0.0/18")
N = 1 << (32 - int(CIDR.split("/")[1]))
SBATCH = os.path.join(p3s.SRC, "deploy", "slurm", "pop3scan.sbatch")
WAIT = 300 * p3s.SLOW  # a campaign of four tasks takes some 10 s here


class Cluster:
    """munged, slurmctld and slurmd of a throwaway one-node cluster, in dir."""

    def __init__(self, dir):
        self.dir = dir
        self.procs = []
        self.host = socket.gethostname().split(".")[0]
        self.conf = os.path.join(dir, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)

    def daemon(self, name, cmd):
        log = open(os.path.join(self.dir, name + ".out"), "wb")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                             start_new_session=True)
        log.close()
        self.procs.append((name, p))
        return p

    def start(self):
        d = self.dir
        for sub in ("state", "spool"):
            os.makedirs(os.path.join(d, sub))
        key = os.path.join(d, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        sock = os.path.join(d, "munge.socket")
        self.daemon("munged", ["munged", "--foreground", "--force", "--key-file=" + key,
                               "--socket=" + sock, "--pid-file=" + os.path.join(d, "munged.pid"),
                               "--log-file=" + os.path.join(d, "munged.log"),
                               "--seed-file=" + os.path.join(d, "munged.seed")])
        self.until(lambda: os.path.exists(sock), 20, "munged did not make its socket")
        ctld, slurmd = p3s.free_ports(2)
        with open(self.conf, "w") as f:
            f.write(f"""ClusterName=p3stest
SlurmctldHost={self.host}(127.0.0.1)
SlurmctldPort={ctld}
SlurmdPort={slurmd}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={sock}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/ctld.pid
SlurmdPidFile={d}/d.pid
SlurmctldLogFile={d}/ctld.log
SlurmdLogFile={d}/d.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MinJobAge=3600
NodeName={self.host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=main Nodes={self.host} Default=YES MaxTime=INFINITE State=UP
""")
        self.daemon("slurmctld", ["slurmctld", "-D", "-c"])
        self.daemon("slurmd", ["slurmd", "-D"])
        self.until(lambda: self.run("sinfo", "-h", "-o", "%T").strip() == "idle", 60,
                   "the node did not become idle")

    def stop(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []

    def log_tail(self):
        out = []
        for name in ("ctld.log", "d.log", "munged.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out.append(f"--- {name}\n" + "".join(f.readlines()[-15:]))
            except OSError:
                pass
        return "\n".join(out)

    def run(self, *cmd, env=None):
        res = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60,
                             env=dict(self.env, **(env or {})))
        if res.returncode != 0:
            raise AssertionError(f"{cmd} exited {res.returncode}: {res.stderr}")
        return res.stdout

    def until(self, cond, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if cond():
                    return
            except AssertionError:
                pass
            time.sleep(0.2)
        raise AssertionError(what + "\n" + self.log_tail())

    def submit(self, array, env):
        out = self.run("sbatch", "--parsable", f"--array={array}", "--cpus-per-task=1",
                       f"--output={self.dir}/task-%A_%a.log", SBATCH, env=env)
        return out.strip().split(";")[0]

    def wait(self, job):
        self.until(lambda: self.run("squeue", "-h", "-j", job).strip() == "", WAIT,
                   f"job {job} did not end")
        # task id -> exit code "0:0" (status:signal), from the kept job records
        codes = {}
        for block in self.run("scontrol", "-o", "show", "job", job).splitlines():
            fields = dict(f.split("=", 1) for f in block.split() if "=" in f)
            codes[int(fields["ArrayTaskId"])] = fields["ExitCode"]
        return codes


class SlurmCampaignTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.start = time.monotonic()
        cls.dir = tempfile.mkdtemp(prefix="p3s-slurm-")
        cls.stack = []
        try:
            cls.pg = p3s.Postgres().__enter__()
            cls.stack.append(lambda: cls.pg.__exit__(None, None, None))
            cls.srv = p3s.fast_server().__enter__()
            cls.stack.append(lambda: cls.srv.__exit__(None, None, None))
            cls.port = cls.srv.plain[0]
            cls.cluster = Cluster(cls.dir)
            cls.stack.append(cls.cluster.stop)
            cls.cluster.start()
            # The reference: one process scanning the whole range into the same database.
            res = p3s.scan("-q", "-c", "1000", "-o", "/dev/null", "--db", cls.pg.uri, "-p",
                           cls.port, CIDR, jsonl=False, timeout=300)
            if res.rc != 0:
                raise AssertionError(f"the single scan exited {res.rc}: {res.stderr}")
            cls.single = int(cls.pg.sql("SELECT max(id) FROM scan WHERE campaign_id IS NULL")[0][0])
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        while cls.stack:
            cls.stack.pop()()
        shutil.rmtree(cls.dir, ignore_errors=True)
        print(f"\ntest_slurm: {CIDR}, wall time {time.monotonic() - cls.start:.1f} s")

    def env(self, campaign, **extra):
        env = {"P3S_CAMPAIGN": campaign, "P3S_DB": self.pg.uri, "P3S_TARGETS": CIDR,
               "P3S_PORTS": str(self.port), "P3S_STATE_DIR": os.path.join(self.dir, "resume"),
               "P3S_BIN": p3s.BIN, "XDG_STATE_HOME": p3s.STATE_HOME}
        env.update(extra)
        return env

    def history(self, campaign):
        out = subprocess.run([p3s.BIN, "history", "--db", self.pg.uri, "--campaign", campaign,
                              "-f", "jsonl"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return [json.loads(line) for line in out.stdout.splitlines()]

    def check_exact(self, campaign):
        """One record per address, N of them, the same as the single scan's."""
        rows = self.pg.sql(
            "SELECT count(*), count(DISTINCT (r.ip, r.port, r.transport)) FROM record r JOIN "
            f"scan s ON s.id = r.scan_id JOIN campaign c ON c.id = s.campaign_id WHERE c.name = "
            f"'{campaign}'")
        self.assertEqual(rows, [[str(N), str(N)]])
        differ = self.pg.sql(
            "SELECT count(*) FROM ((SELECT ip, port, transport, state, greeting, capabilities "
            f"FROM record WHERE scan_id = {self.single} EXCEPT SELECT r.ip, r.port, r.transport, "
            "r.state, r.greeting, r.capabilities FROM record r JOIN scan s ON s.id = r.scan_id "
            f"JOIN campaign c ON c.id = s.campaign_id WHERE c.name = '{campaign}') UNION ALL "
            "(SELECT r.ip, r.port, r.transport, r.state, r.greeting, r.capabilities FROM record r "
            "JOIN scan s ON s.id = r.scan_id JOIN campaign c ON c.id = s.campaign_id WHERE "
            f"c.name = '{campaign}' EXCEPT SELECT ip, port, transport, state, greeting, "
            f"capabilities FROM record WHERE scan_id = {self.single})) d")
        self.assertEqual(differ, [["0"]])
        diff = subprocess.run([p3s.BIN, "diff", "--db", self.pg.uri, "--fail-on-change",
                               f"campaign:{campaign}", str(self.single)],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(diff.returncode, 0, diff.stdout + diff.stderr)
        self.assertIn(f"No changes ({N} addresses and ports compared)", diff.stdout)

    def test_1_four_shards(self):
        job = self.cluster.submit("0-3", self.env("four"))
        self.assertEqual(self.cluster.wait(job), {i: "0:0" for i in range(4)})
        shards = self.history("four")
        self.assertEqual([s["shard"] for s in shards], [f"{i}/4" for i in range(4)])
        self.assertEqual({s["status"] for s in shards}, {"complete"})
        self.assertEqual(sum(s["records"] for s in shards), N)
        self.check_exact("four")

    def test_2_killed_task_submitted_again(self):
        # Slowed down (--rate) so that shard 1 is killed in the middle of its addresses.
        rate = max(200, N // 40)
        env = self.env("killed", P3S_ARGS=f"-c 200 --rate {rate}")
        job = self.cluster.submit("0-3", env)
        victim = {}

        def running_with_records():
            rows = self.pg.sql(
                "SELECT s.pid, s.records FROM scan s JOIN campaign c ON c.id = s.campaign_id "
                "WHERE c.name = 'killed' AND s.shard_index = 1 AND s.status = 'running'")
            if rows and int(rows[0][1]) >= N // 16:
                victim["pid"], victim["records"] = int(rows[0][0]), int(rows[0][1])
                return True
            return False

        self.cluster.until(running_with_records, WAIT, "shard 1 never got under way")
        os.kill(victim["pid"], signal.SIGKILL)
        codes = self.cluster.wait(job)
        self.assertEqual(codes[1], "0:9")  # killed by signal 9
        self.assertEqual([codes[i] for i in (0, 2, 3)], ["0:0"] * 3)
        shards = {s["shard"]: s for s in self.history("killed")}
        self.assertEqual(shards["1/4"]["status"], "killed")
        self.assertLess(shards["1/4"]["records"], N // 4)
        refused = subprocess.run([p3s.BIN, "diff", "--db", self.pg.uri, "campaign:killed",
                                  str(self.single)], capture_output=True, text=True, timeout=60)
        self.assertEqual(refused.returncode, 2, refused.stderr)
        self.assertIn("not complete", refused.stderr)
        # The task alone again: one task of a one-task array, so the number of shards is said.
        again = self.cluster.submit("1", dict(env, P3S_SHARDS="4", P3S_ARGS="-c 200"))
        self.assertEqual(self.cluster.wait(again), {1: "0:0"})
        shards = {s["shard"]: s for s in self.history("killed")}
        self.assertEqual({s["status"] for s in shards.values()}, {"complete"})
        self.assertEqual(shards["1/4"]["runs"], 2)
        self.assertEqual(shards["1/4"]["records"], N // 4)
        self.check_exact("killed")
        # It went on from its state file: fewer addresses than a whole shard were scanned again.
        with open(os.path.join(self.dir, "resume", "killed.1-of-4.resume")) as f:
            self.assertIn("complete 1", f.read())


if __name__ == "__main__":
    p3s.main()
