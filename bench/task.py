"""Run one benchmark helper inside Django: python -m bench.task module:function '{"kw": 1}'.

Prints the function's return value as JSON on the last line of stdout.
"""

import importlib
import json
import sys

import django


def main():
    target, kwargs = sys.argv[1], json.loads(sys.argv[2])
    django.setup()
    module, function = target.split(":")
    result = getattr(importlib.import_module(module), function)(**kwargs)
    sys.stdout.write("\n" + json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main()
