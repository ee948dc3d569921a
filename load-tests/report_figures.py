#!/usr/bin/env python3
"""Figures bench.sh prints from a load-tool report (<scenario>-<time>.json).

usage: report_figures.py per-second REPORT   accepted/s of each second of the measured phase, one line
       report_figures.py windows REPORT      the --window rows of a soak, each against the first, and the verdict
"""
import json
import sys


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def per_second(report):
    print(" ".join(str(round(s["accepted"] / s["span"])) for s in report["series"] if s["span"] >= 0.5))


def windows(report):
    w = report.get("windows") or {}
    for x in w.get("rows", []):
        print("  window %3d (%s-%s s%s): orders/s %s (%sx)  engine RSS MB %s (%sx)" % (
            x["index"] + 1, fmt(x["fromS"], ".0f"), fmt(x["toS"], ".0f"), "" if x["full"] else ", partial",
            fmt(x["acceptedPerS"], ".0f"), fmt(x["acceptedVsFirst"], ".2f"),
            fmt(x.get("engineRssMb"), ".0f"), fmt(x.get("rssVsFirst"), ".2f")))
    print("  verdict: " + w.get("verdict", "n/a (no --window in this run)"))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("per-second", "windows"):
        sys.exit(__doc__)
    with open(sys.argv[2]) as f:
        {"per-second": per_second, "windows": windows}[sys.argv[1]](json.load(f))
