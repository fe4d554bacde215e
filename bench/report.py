#!/usr/bin/env python3
"""Print the latest bench/results/*.json as Markdown (for docs/benchmarks.md):
the machine, the load average around each benchmark, then its tables and goals."""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ORDER = ["catalogue", "pages", "checkout", "delivery", "zip_build", "stamping", "download_limit"]


def load_average(values):
    return " / ".join(f"{v:.2f}" for v in values) if values else "-"


def main():
    if "--help" in sys.argv or "-h" in sys.argv:
        sys.exit(__doc__)
    results = [
        json.loads((RESULTS / f"{name}.json").read_text())
        for name in ORDER
        if (RESULTS / f"{name}.json").exists()
    ]
    if not results:
        sys.exit(f"no results in {RESULTS}: run `make bench` first")
    m = results[0]["machine"]
    print(
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, {m.get('os')}, "
        f"Linux {m['kernel']}, Python {m['python']}, nginx {m.get('nginx')}, wrk {m.get('wrk')}, "
        f"PostgreSQL {m.get('postgresql')}.\n"
    )
    print("| benchmark | mode | finished | seconds | load average at start (1 / 5 / 15 min) | at end |")
    print("| --- | --- | --- | --- | --- | --- |")
    for result in results:
        m = result["machine"]
        print(
            f"| {result['benchmark']} | {result['mode']} | {result['ran_at']} | {result.get('seconds', '-')} "
            f"| {load_average(m.get('load_at_start'))} | {load_average(m.get('load_at_end'))} |"
        )
    print()
    for result in results:
        name = result["benchmark"]
        print(f"### {name} (`bench/{name}.py`, {result['mode']} run, {result['ran_at']})\n")
        for title, text in result["tables"].items():
            print(f"{title}:\n\n{text}\n")
        for goal in result["goals"]:
            print(f"- **{'met' if goal['met'] else 'MISSED'}**: {goal['goal']} ({goal['observed']})")
        print()


if __name__ == "__main__":
    main()
