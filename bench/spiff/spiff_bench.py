#!/usr/bin/env python3
"""gradflow-bench's peer: SpiffWorkflow running the same loop, persisted.

The bench's transitions group runs this script (bench/README.md, "SpiffWorkflow").
It runs graduation.bpmn (beside it: proposal, endorsement, implementation and
evaluation as user tasks) on as many workflow instances as the bench has
projects, each going round the loop the bench runs: the trainee submits the
proposal, the supervisor requests changes, back to the proposal.

One persisted transition is what a durable engine built on SpiffWorkflow does
per user action: in one SQLite transaction (BEGIN IMMEDIATE), read the
instance's stored JSON, deserialize it, complete its ready user task with the
form's answers, run the engine steps (the gateway), serialize it, UPDATE the
row at its version and COMMIT (WAL, synchronous=FULL, then NORMAL: the same
durability as gradflow's figures). Beside it, for honesty: the same with the
JSON kept in memory (no database), and with the live objects kept in memory
(no serialization at all).

The script makes its own Python environment: a venv at --venv (default
$TMPDIR/gradflow-spiff-venv) with SpiffWorkflow pinned below, created on
first use, then re-runs itself inside it. The last line of its output is one
JSON object with the figures; progress goes to stderr.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import venv

SPIFF_VERSION = "3.2.0"
HERE = os.path.dirname(os.path.abspath(__file__))
BPMN = os.path.join(HERE, "graduation.bpmn")
PROCESS = "graduation_service"

PROPOSAL = {
    "service": "Renewal of health cards at the Seeb branch",
    "problem": "Clients wait 95 minutes on average and often come back a second time for a missing paper.",
    "improvement": "Pre-check documents online the day before and print the card at the counter.",
    "indicator": "waiting_time",
}
CHANGES = "Say which branch you start with and how you will measure the waiting time."


def log(msg):
    print(f"spiff: {msg}", file=sys.stderr, flush=True)


def ensure_env(args):
    """Runs inside a venv holding SpiffWorkflow==SPIFF_VERSION, making it first if needed."""
    try:
        import SpiffWorkflow.version as v  # noqa: F401

        if getattr(v, "__version__", None) == SPIFF_VERSION:
            return
    except ImportError:
        pass
    if os.environ.get("GRADFLOW_SPIFF_INSIDE") == "1":
        sys.exit(f"spiff: SpiffWorkflow {SPIFF_VERSION} is still missing inside {args.venv}; delete that folder and retry")
    python = os.path.join(args.venv, "bin", "python3")
    marker = os.path.join(args.venv, f".spiffworkflow-{SPIFF_VERSION}")
    if not os.path.exists(marker):
        log(f"making a Python environment in {args.venv} (SpiffWorkflow=={SPIFF_VERSION})")
        venv.EnvBuilder(with_pip=True, clear=True).create(args.venv)
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"SpiffWorkflow=={SPIFF_VERSION}"],
            check=True,
            stdout=sys.stderr,
        )
        open(marker, "w").close()
    env = dict(os.environ, GRADFLOW_SPIFF_INSIDE="1")
    os.execve(python, [python, os.path.abspath(__file__), *sys.argv[1:]], env)


class Peer:
    """The parsed process, a serializer, and one transition."""

    def __init__(self):
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        parser = BpmnParser()
        parser.add_bpmn_file(BPMN)
        self.spec = parser.get_spec(PROCESS)
        self.serializer = BpmnWorkflowSerializer()
        self.BpmnWorkflow = BpmnWorkflow
        self.TaskState = TaskState

    def new(self):
        wf = self.BpmnWorkflow(self.spec)
        wf.do_engine_steps()
        return wf

    def step(self, wf):
        """Completes the ready user task with the loop's answer; returns the stage now ready."""
        task = wf.get_next_task(state=self.TaskState.READY, manual=True)
        if task is None:
            raise RuntimeError("no ready user task")
        name = task.task_spec.bpmn_id
        if name == "proposal":
            task.data.update(PROPOSAL)
            task.data["action"] = "submit"
        elif name == "endorsement":
            task.data["action"] = "request_changes"
            task.data["comment"] = CHANGES
        else:
            raise RuntimeError(f"the loop reached {name}")
        task.run()
        wf.do_engine_steps()
        now = wf.get_next_task(state=self.TaskState.READY, manual=True)
        expect = "endorsement" if name == "proposal" else "proposal"
        if now is None or now.task_spec.bpmn_id != expect:
            raise RuntimeError(f"after {name}: {now and now.task_spec.bpmn_id} ready, not {expect}")
        return expect

    def completed(self, wf):
        """User tasks completed so far (the check: one per transition)."""
        return len(wf.get_tasks(state=self.TaskState.COMPLETED, manual=True))


def quantile(latencies, q):
    if not latencies:
        return None
    s = sorted(latencies)
    return s[round((len(s) - 1) * q)]


def timed(name, warmup, seconds, n, one):
    """Runs `one(i)` round the instances for warmup + seconds; counts those started in the window."""
    start = time.perf_counter()
    begin = start + warmup
    end = begin + seconds
    latencies = []
    done = 0
    total = 0
    last = begin
    i = 0
    while True:
        t0 = time.perf_counter()
        if t0 >= end:
            break
        one(i)
        total += 1
        i = (i + 1) % n
        t1 = time.perf_counter()
        if t0 >= begin:
            done += 1
            latencies.append((t1 - t0) * 1e6)
            last = t1
    elapsed = max(last - begin, 1e-9)
    rate = done / elapsed
    log(f"{name}: {rate:,.0f} transitions/s")
    return {
        "rate": rate,
        "transitions": done,
        "total": total,
        "p50_us": quantile(latencies, 0.5),
        "p99_us": quantile(latencies, 0.99),
    }


def persisted(peer, path, synchronous, args):
    """One SQLite transaction per transition: read, deserialize, run, serialize, update, commit."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE workflows (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL)")
    db.execute("BEGIN")
    for i in range(args.projects):
        db.execute(
            "INSERT INTO workflows (id, version, state) VALUES (?, 0, ?)",
            (i, peer.serializer.serialize_json(peer.new())),
        )
    db.execute("COMMIT")

    def one(i):
        db.execute("BEGIN IMMEDIATE")
        version, state = db.execute("SELECT version, state FROM workflows WHERE id = ?", (i,)).fetchone()
        wf = peer.serializer.deserialize_json(state)
        peer.step(wf)
        changed = db.execute(
            "UPDATE workflows SET state = ?, version = ? WHERE id = ? AND version = ?",
            (peer.serializer.serialize_json(wf), version + 1, i, version),
        ).rowcount
        if changed != 1:
            raise RuntimeError(f"workflow {i} at version {version}: {changed} rows updated")
        db.execute("COMMIT")

    result = timed(f"persisted, synchronous={synchronous}", args.warmup, args.seconds, args.projects, one)
    # The check: every transition is in the stored JSON.
    stored = 0
    size = 0
    for version, state in db.execute("SELECT version, state FROM workflows"):
        wf = peer.serializer.deserialize_json(state)
        if peer.completed(wf) != version:
            raise RuntimeError(f"a stored workflow at version {version} holds {peer.completed(wf)} completed user tasks")
        stored += version
        size += len(state)
    if stored != result["total"]:
        raise RuntimeError(f"{stored} transitions stored, {result['total']} made")
    result["stored"] = stored
    result["mean_json_bytes"] = size / args.projects
    db.close()
    return result


def serialized(peer, args):
    """The same with the JSON kept in a list: no database, no fsync."""
    states = [peer.serializer.serialize_json(peer.new()) for _ in range(args.projects)]

    def one(i):
        wf = peer.serializer.deserialize_json(states[i])
        peer.step(wf)
        states[i] = peer.serializer.serialize_json(wf)

    result = timed("serialized in memory", args.warmup, args.seconds, args.projects, one)
    stored = sum(peer.completed(peer.serializer.deserialize_json(s)) for s in states)
    if stored != result["total"]:
        raise RuntimeError(f"{stored} transitions kept, {result['total']} made")
    result["stored"] = stored
    return result


def live(peer, args):
    """The live objects kept in memory: no serialization at all."""
    flows = [peer.new() for _ in range(args.projects)]
    result = timed("live objects in memory", args.warmup, args.seconds, args.projects, lambda i: peer.step(flows[i]))
    stored = sum(peer.completed(wf) for wf in flows)
    if stored != result["total"]:
        raise RuntimeError(f"{stored} transitions kept, {result['total']} made")
    result["stored"] = stored
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0, help="measured seconds per mode")
    p.add_argument("--warmup", type=float, default=0.5, help="seconds run before measuring")
    p.add_argument("--projects", type=int, default=200, help="workflow instances, gone round in turn")
    p.add_argument("--venv", default=os.path.join(tempfile.gettempdir(), "gradflow-spiff-venv"))
    p.add_argument("--dir", default=None, help="folder for the SQLite files (default: a temporary one)")
    args = p.parse_args()
    if args.projects < 1 or args.seconds <= 0 or args.warmup < 0:
        sys.exit("spiff: --projects and --seconds must be positive")
    ensure_env(args)
    import SpiffWorkflow.version as v

    peer = Peer()
    out = {
        "spiffworkflow": v.__version__,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "projects": args.projects,
    }
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        out["persisted_full"] = persisted(peer, os.path.join(d, "full.db"), "FULL", args)
        out["persisted_normal"] = persisted(peer, os.path.join(d, "normal.db"), "NORMAL", args)
    out["serialized_memory"] = serialized(peer, args)
    out["live_memory"] = live(peer, args)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
