#!/usr/bin/env python3
"""The shim's deepest stack use, from the call graphs GCC writes with
-fcallgraph-info=su (build/obj/inject/*.ci): the largest sum of frames
along any path that starts where the target enters the shim (a wrapper, the
trampoline around its handlers, syscall(), vfork's decision) and that a
signal handler can take.  Paths a handler never takes are cut where the shim
refuses them in a handler: the symbol index rebuild (fc__symtab_refresh) and
the unwinder (_Unwind_Backtrace, run only with room to spare: caller.c).

Usage: stack-budget.py BUDGET DIR   exit 1 if a path needs more than BUDGET
bytes; prints the deepest path either way."""
import glob
import os
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
BYTES = re.compile(r"\\n(\d+) bytes \((static|dynamic|dynamic,bounded)\)")
# where a handler never goes (see the module comment)
CUT = {"fc__symtab_refresh", "_Unwind_Backtrace", "dlsym", "dl_iterate_phdr", "fc__dl_iterate_phdr"}
# external functions a handler path may call, with what they take of the
# stack (libc's, measured as leaves; the vDSO clock)
EXTERNAL = {"__errno_location": 0, "strlen": 0, "memcpy": 0, "memset": 0, "memmove": 0, "strcmp": 0,
            "strncmp": 0, "strchr": 0, "strrchr": 0, "strncpy": 0, "strcpy": 0, "memcmp": 0}


def short(title):
    return title.rsplit(":", 1)[-1].split(".")[0]


def load(folder):
    cost, edges, dynamic = {}, {}, set()
    for path in glob.glob(os.path.join(folder, "*.ci")):
        text = open(path).read()
        for title, label in NODE.findall(text):
            name = short(title)
            m = BYTES.search(label)
            if m:
                cost[name] = max(cost.get(name, 0), int(m.group(1)))
                if m.group(2) == "dynamic":
                    dynamic.add(name)
        for src, dst in EDGE.findall(text):
            edges.setdefault(short(src), set()).add(short(dst))
    return cost, edges, dynamic


def deepest(name, cost, edges, memo, stack):
    if name in CUT:
        return 0, [name + " (cut)"]
    if name in memo:
        return memo[name]
    if name in stack:  # a cycle the guard stops at run time
        return 0, [name + " (again)"]
    if name not in cost and name not in edges:
        return EXTERNAL.get(name, 256), [name + " (external)"]
    stack.add(name)
    best, path = 0, []
    for callee in edges.get(name, ()):
        depth, sub = deepest(callee, cost, edges, memo, stack)
        if depth > best:
            best, path = depth, sub
    stack.discard(name)
    memo[name] = (cost.get(name, 0) + best, [name] + path)
    return memo[name]


def main():
    budget, folder = int(sys.argv[1]), sys.argv[2]
    cost, edges, dynamic = load(folder)
    if not cost:
        print(f"stack-budget: no call graph in {folder} (built without -fcallgraph-info?)", file=sys.stderr)
        return 2
    roots = [n for n in cost if n.startswith("fc_slow_") or n in ("trampoline", "syscall", "fc__vfork_enter", "free")]
    memo, worst = {}, (0, [], "")
    for root in roots:
        depth, path = deepest(root, cost, edges, memo, set())
        if depth > worst[0]:
            worst = (depth, path, root)
    depth, path, root = worst
    shown = " > ".join(f"{n}({cost[n]})" if n in cost else n for n in path)
    print(f"stack-budget: deepest path of the shim a handler can take: {depth} bytes of {budget} allowed, from {root}")
    print(f"  {shown}")
    unbounded = sorted(n for n in dynamic if n in memo)
    if unbounded:
        print(f"stack-budget: frames of unbounded size on such paths: {', '.join(unbounded)}")
        return 1
    return 0 if depth <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
