#!/usr/bin/env python3
"""Validate a forkchaos trace: JSON Lines, a header line first, and the
fields design.md names on every event.  Prints a summary; exit 1 if bad."""
import json
import sys

REQUIRED = ("t_ns", "pid", "tid", "call", "ret", "errno", "injected", "caller")


def main(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not lines:
        print("empty trace")
        return 1
    header = json.loads(lines[0])
    for key in ("forkchaos", "plan", "seed"):
        if key not in header:
            print(f"header lacks {key}: {lines[0]}")
            return 1
    calls = {}
    for number, line in enumerate(lines[1:], start=2):
        event = json.loads(line)
        missing = [k for k in REQUIRED if k not in event]
        if missing:
            print(f"line {number} lacks {missing}: {line}")
            return 1
        if not isinstance(event["t_ns"], int) or not isinstance(event["pid"], int):
            print(f"line {number}: t_ns and pid must be integers: {line}")
            return 1
        calls[event["call"]] = calls.get(event["call"], 0) + (1 if event["injected"] else 0)
    print("seed", header["seed"])
    for call, injected in sorted(calls.items()):
        print("call", call, "injected", injected)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
