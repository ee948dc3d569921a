#!/usr/bin/env python3
"""The per-order CPU budget of the engine from a perf profile (used by profile.sh).

usage: perf script -F comm,tid,period,ip,sym,dso -i perf.data | \
         perf_budget.py --engine-cpu-s S --orders N [--accepted A] [--gen-cpu-s G --gen-requests R] [--db-cpu-s D]

Each sample is given to one component: the thread first (a sample on a GC thread is GC, on the tiered-compilation
thread JIT), then its stack from the leaf upward, where the first frame that matches a rule decides. Frames of general
code (System.Private.CoreLib, collections, LINQ, System.Net.Sockets, Microsoft.Extensions.*, the runtime's own
unnamed frames, libc) match no rule: their time goes to the nearest caller that does, so a Dictionary lookup inside
the journal counts as persistence and an allocation as the component that allocated. A stack with no matching frame
is "other". The components sum to 100%; the "inclusive" column instead counts every component present anywhere on a
sample's stack (it does not sum to 100%).

Frames are matched on the method name and, for precompiled (ReadyToRun) code that the perf map does not name, on the
file it lives in (Microsoft.AspNetCore.Server.Kestrel.Core.dll, System.Text.Json.dll, ...).

µs per order = component share x engine CPU seconds in the window / orders completed in the window.
"""
import argparse
import collections
import re
import sys

# (component, pattern on "symbol dso"), tried in order on each frame; the first match names the frame's component.
RULES = [
    ("kernel", re.compile(r"\[kernel")),
    ("GC", re.compile(r"libclrgc|gc_heap|WKS::|SVR::")),
    ("JIT", re.compile(r"libclrjit")),
    ("JSON", re.compile(r"System\.Text\.Json")),
    ("persistence", re.compile(r"Akka\.Persistence|OrderEngine\.Engine\.Journal|Npgsql|Microsoft\.Data\.Sqlite|SQLitePCL|e_sqlite3|LinqToDB")),
    ("OrderEngine", re.compile(r"OrderEngine\.")),
    ("HTTP", re.compile(r"Microsoft\.AspNetCore|Kestrel|System\.IO\.Pipelines|System\.Net\.(?!Sockets|Primitives)")),
    ("routing/messaging", re.compile(r"Akka\.|DotNetty")),
]
ORDER = ["HTTP", "JSON", "routing/messaging", "persistence", "OrderEngine", "GC", "JIT", "kernel", "other"]
LABELS = {
    "HTTP": "HTTP (ASP.NET Core, Kestrel, System.Net.*)",
    "JSON": "JSON (System.Text.Json)",
    "routing/messaging": "routing/messaging (Akka actors, mailboxes, sharding, streams)",
    "persistence": "persistence (Akka.Persistence*, journal, Npgsql, SQLite)",
    "OrderEngine": "OrderEngine domain and actors",
    "GC": "GC",
    "JIT": "JIT",
    "kernel": "kernel",
    "other": "other (runtime, thread pool, unnamed frames)",
}

# Sub-components, by what else is on the stack (persistence, routing) or by the deciding frame (OrderEngine).
PERSISTENCE_SUB = [
    ("projection reads/writes", re.compile(r"OrderEngine\.Engine\.Projections|Akka\.Persistence\.Query|EventsByTag")),
    ("entity recovery", re.compile(r"Recover|Replay|HighestSequenceNr|LoadSnapshot|SnapshotStore")),
    ("journal write", re.compile(r"WriteMessages|WriteJournalRows|AsyncWrite|Persist|Insert")),
]
ROUTING_SUB = [
    ("entity start", re.compile(r"ActorCell::(Create|Init)|Props::NewActor|GetOrCreateEntity|StartEntity|ActorCell::MakeChild|AttachChild")),
    ("sharding", re.compile(r"Akka\.Cluster\.Sharding")),
    ("streams", re.compile(r"Akka\.Streams")),
]
ENGINE_SUB = [
    ("stock", re.compile(r"OrderEngine\.(Engine|Domain)\.Stock")),
    ("orders", re.compile(r"OrderEngine\.(Engine|Domain)\.Orders")),
    ("projections", re.compile(r"OrderEngine\.Engine\.Projections")),
    ("serialization", re.compile(r"OrderEngine\.Engine\.Serialization")),
    ("API endpoints", re.compile(r"OrderEngine\.Api")),
    ("ingestion", re.compile(r"OrderEngine\.Ingestion")),
]
GC_THREAD = re.compile(r"GC")            # ".NET Server GC", ".NET BGC"
JIT_THREAD = re.compile(r"Tiered Com")   # the tiered-compilation background worker


MANAGED = re.compile(r"\[([\w.]+)\] ([^:(]+?)::([^(]+)")


def frame_text(line):
    """A perf script frame line -> the text the rules look at.

    JIT-compiled .NET code (named by the perf map): '[Assembly] Namespace.Type::Method', generic arguments and
    parameters dropped, so List`1[OrderEngine.X]::Add is CoreLib's, not OrderEngine's. Anything else: the symbol and
    the file it is in ('[unknown] Microsoft.AspNetCore.Server.Kestrel.Core.dll' for precompiled code perf cannot name,
    'finish_task_switch [kernel.kallsyms]').
    """
    line = line.strip()
    parts = line.split(" ", 1)
    rest = parts[1] if len(parts) > 1 else ""
    dso = ""
    if rest.endswith(")"):
        at = rest.rfind(" (")
        if at >= 0:
            dso = rest[at + 2:-1]
            rest = rest[:at]
    if dso.endswith(".map"):
        m = MANAGED.search(rest)
        if m:
            typename = re.split(r"[`\[]", m.group(2), maxsplit=1)[0]
            return f"[{m.group(1)}] {typename}::{m.group(3)}"
    return rest + " " + dso.rsplit("/", 1)[-1]


def samples(stream):
    """Yields (comm, period, [frames leaf first]) from `perf script -F comm,tid,period,ip,sym,dso`."""
    header = None
    frames = []
    for raw in stream:
        line = raw.rstrip("\n")
        if not line.strip():
            if header is not None:
                yield header[0], header[1], frames
            header, frames = None, []
            continue
        if line[0] in " \t":
            frames.append(frame_text(line))
        else:
            # "comm  tid  period": the thread name may hold spaces; tid and period are the last two fields.
            fields = line.split()
            period = int(fields[-1]) if fields[-1].isdigit() else 1
            comm = " ".join(fields[:-2]) if len(fields) >= 3 else fields[0]
            header = (comm, period)
    if header is not None:
        yield header[0], header[1], frames


def classify(comm, frames):
    if GC_THREAD.search(comm):
        return "GC", None
    if JIT_THREAD.search(comm):
        return "JIT", None
    for text in frames:
        for component, pattern in RULES:
            if pattern.search(text):
                return component, text
    return "other", None


def sub_component(component, deciding, frames):
    stack = "\n".join(frames)
    table = {"persistence": PERSISTENCE_SUB, "routing/messaging": ROUTING_SUB}.get(component)
    if table:
        for name, pattern in table:
            if pattern.search(stack):
                return name
        return "dispatch, mailbox, ask" if component == "routing/messaging" else "other"
    if component == "OrderEngine" and deciding:
        for name, pattern in ENGINE_SUB:
            if pattern.search(deciding):
                return name
        return "other"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine-cpu-s", type=float, required=True, help="engine CPU seconds in the window (/proc)")
    ap.add_argument("--orders", type=float, required=True, help="requests completed in the window")
    ap.add_argument("--accepted", type=float, help="of which accepted (201)")
    ap.add_argument("--gen-cpu-s", type=float, help="load generator CPU seconds in the window")
    ap.add_argument("--gen-requests", type=float, help="requests the generator completed in the window")
    ap.add_argument("--db-cpu-s", type=float, help="database server CPU seconds in the window (PostgreSQL)")
    ap.add_argument("--hz", type=float, default=999, help="sampling frequency, to cross-check the CPU time")
    ap.add_argument("--top", type=int, default=8, help="leaf frames to list for 'other'")
    a = ap.parse_args()

    total = 0
    by = collections.Counter()
    sub = collections.Counter()
    inclusive = collections.Counter()
    other_leaves = collections.Counter()
    for comm, period, frames in samples(sys.stdin):
        weight = 1  # samples, not periods: with cpu-clock every sample is the same slice of CPU time
        total += weight
        component, deciding = classify(comm, frames)
        by[component] += weight
        s = sub_component(component, deciding, frames)
        if s:
            sub[(component, s)] += weight
        present = {component}
        for text in frames:
            for c, pattern in RULES:
                if pattern.search(text):
                    present.add(c)
                    break
        for c in present:
            inclusive[c] += weight
        if component == "other":
            other_leaves[frames[0] if frames else "(no stack)"] += weight
    if total == 0:
        sys.exit("no samples: was perf recording the engine's process?")

    orders = max(a.orders, 1e-9)
    per_order_cpu_us = a.engine_cpu_s * 1e6 / orders
    print(f"samples: {total} ({total / a.hz:.2f} CPU-s at {a.hz:.0f} Hz; /proc says {a.engine_cpu_s:.2f} CPU-s)  "
          f"orders completed in the window: {a.orders:.0f}" + (f" (accepted {a.accepted:.0f})" if a.accepted is not None else ""))
    print(f"engine CPU per order: {per_order_cpu_us:.1f} us" +
          (f"  (per accepted order: {a.engine_cpu_s * 1e6 / a.accepted:.1f} us)" if a.accepted else ""))
    print()
    print(f"{'component (leaf upward, first matching frame)':66} {'share':>7} {'us/order':>9} {'inclusive':>10}")
    for c in ORDER:
        n = by.get(c, 0)
        share = n / total
        incl = inclusive.get(c, 0) / total if c != "other" else share
        print(f"{LABELS[c]:66} {share * 100:6.1f}% {share * per_order_cpu_us:9.1f} {incl * 100:9.1f}%")
        for (parent, name), m in sorted(sub.items(), key=lambda kv: -kv[1]):
            if parent == c:
                print(f"  {'- ' + name:64} {m / total * 100:6.1f}% {m / total * per_order_cpu_us:9.1f}")
    print(f"{'engine total':66} {100.0:6.1f}% {per_order_cpu_us:9.1f}")
    if a.db_cpu_s is not None:
        print(f"{'database server (PostgreSQL processes, outside the engine)':66} {'':7} {a.db_cpu_s * 1e6 / orders:9.1f}")
    if a.gen_cpu_s is not None and a.gen_requests:
        print(f"{'load generator (its own process, per request)':66} {'':7} {a.gen_cpu_s * 1e6 / a.gen_requests:9.1f}")
    if other_leaves:
        print()
        print("'other', by leaf frame:")
        for leaf, n in other_leaves.most_common(a.top):
            print(f"  {n / total * 100:5.1f}%  {leaf[:150]}")


if __name__ == "__main__":
    main()
