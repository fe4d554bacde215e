#!/usr/bin/env python3
"""Print the latest bench/results/*.json as Markdown (for docs/benchmarks.md)."""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ORDER = ["catalogue", "checkout", "delivery", "zip_build", "download_limit"]


def main():
    if "--help" in sys.argv or "-h" in sys.argv:
        sys.exit(__doc__)
    machine = None
    for name in ORDER:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            continue
        result = json.loads(path.read_text())
        machine = machine or result["machine"]
        print(f"## {name} (`bench/{name}.py`, {result['mode']} run, {result['ran_at']})\n")
        for title, text in result["tables"].items():
            print(f"{title}:\n\n{text}\n")
        for goal in result["goals"]:
            print(f"- **{'met' if goal['met'] else 'MISSED'}**: {goal['goal']} ({goal['observed']})")
        print()
    if machine:
        print(
            f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['ram_gb']} GB RAM, "
            f"Python {machine['python']}, Linux {machine['kernel']}"
        )


if __name__ == "__main__":
    main()
