#!/usr/bin/env python3
"""Run a CI recipe of docs/ci/ on this machine, as its CI service would.

    check_ci_recipes.py github|gitlab RECIPE PROJECT WORK

Each job runs in a fresh copy of PROJECT, WORK/checkout (a new checkout), its
shell steps with bash -e, in the service's order: GitHub Actions' jobs by
`needs`, a matrix job once per value; GitLab CI's jobs by stage, `extends`
merged, `parallel: N` as N jobs with CI_NODE_INDEX and CI_NODE_TOTAL. An
artifact a job uploads (actions/upload-artifact, `artifacts: paths`) must
exist, and goes to the later jobs that download it, as the services pass
them; GitHub's job summary ($GITHUB_STEP_SUMMARY) is WORK/summary-JOB.md.
What the recipe does the machine is given: forkchaos on $PATH, the
project's build tools.  Anything this runner does not know (an action, an
expression) fails it, so a recipe cannot pass here by being skipped.
Exit 0 when every job passed and its artifacts exist; 1 otherwise.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

import yaml


def fail(msg):
    print(f"ci: FAILED: {msg}", flush=True)
    sys.exit(1)


def run_script(lines, cwd, env, what):
    script = "set -e\n" + "\n".join(lines) + "\n"
    print(f"ci: {what}", flush=True)
    done = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], cwd=cwd, env=env)
    return done.returncode


def fresh_checkout(project, work, name):
    """A new copy of PROJECT, at the same path for every job, as both
    services check out (a sweep's shards must name one command)."""
    where = os.path.join(work, "checkout")
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(project, where, symlinks=True)
    print(f"ci: {name}: a fresh checkout", flush=True)
    return where


def copy_into(src, dst):
    if os.path.isdir(src):
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
        shutil.copy2(src, dst)


# ---- GitHub Actions

EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def substitute(value, context):
    """${{ matrix.X }} and the like in every string of VALUE."""
    if isinstance(value, str):
        def one(m):
            if m.group(1) not in context:
                fail(f"unknown expression ${{{{ {m.group(1)} }}}}")
            return str(context[m.group(1)])
        return EXPR.sub(one, value)
    if isinstance(value, dict):
        return {k: substitute(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, context) for v in value]
    return value


def github_order(jobs):
    order, seen = [], set()
    def visit(name):
        if name in seen:
            return
        seen.add(name)
        needs = jobs[name].get("needs", [])
        for dep in [needs] if isinstance(needs, str) else needs:
            visit(dep)
        order.append(name)
    for name in jobs:
        visit(name)
    return order


def github_step(step, cwd, env, store, job):
    uses = step.get("uses")
    if uses is None:
        return run_script([step["run"]], cwd, env, f"{job}: {step.get('name', step['run'].splitlines()[0])}")
    action = uses.split("@")[0]
    args = step.get("with", {})
    if action == "actions/checkout":
        return 0  # the fresh copy is the checkout
    if action == "actions/upload-artifact":
        path = os.path.join(cwd, args["path"])
        if not os.path.exists(path):
            fail(f"{job}: upload-artifact {args['name']}: {args['path']} does not exist")
        copy_into(path, os.path.join(store, args["name"]))
        print(f"ci: {job}: uploaded {args['path']} as {args['name']}", flush=True)
        return 0
    if action == "actions/download-artifact":
        pattern = args.get("pattern", args.get("name", "*"))
        names = sorted(n for n in os.listdir(store) if glob.fnmatch.fnmatch(n, pattern))
        if not names:
            fail(f"{job}: download-artifact: no artifact matches {pattern}")
        for name in names:  # several: each into a folder of its name (v4)
            copy_into(os.path.join(store, name), os.path.join(cwd, name))
        print(f"ci: {job}: downloaded {' '.join(names)}", flush=True)
        return 0
    fail(f"{job}: unknown action {uses}")


def github(recipe, project, work):
    jobs = recipe["jobs"]
    store = os.path.join(work, "artifacts")
    os.makedirs(store, exist_ok=True)
    for name in github_order(jobs):
        job = jobs[name]
        matrix = job.get("strategy", {}).get("matrix", {})
        keys = [k for k in matrix if k not in ("include", "exclude")]
        if len(keys) > 1:
            fail(f"{name}: a matrix of more than one key")
        values = matrix[keys[0]] if keys else [None]
        for value in values:
            label = name if value is None else f"{name}-{value}"
            context = {} if value is None else {f"matrix.{keys[0]}": value}
            cwd = fresh_checkout(project, work, label)
            summary = os.path.join(work, f"summary-{label}.md")
            env = dict(os.environ, GITHUB_STEP_SUMMARY=summary, RUNNER_TEMP=os.path.join(work, "tmp"),
                       CI="true", GITHUB_ACTIONS="true")
            env.update({k: str(v) for k, v in recipe.get("env", {}).items()})
            failed = False
            for step in substitute(job["steps"], context):
                condition = step.get("if")
                if failed and condition != "always()":
                    continue
                if condition not in (None, "always()"):
                    fail(f"{label}: unknown condition {condition}")
                if github_step(step, cwd, env, store, label) != 0:
                    failed = True
            if failed:
                fail(f"job {label} failed")
    print("ci: every GitHub Actions job passed", flush=True)


# ---- GitLab CI

def gitlab_job(jobs, name):
    job = dict(jobs[name])
    parent = job.pop("extends", None)
    if parent:
        base = gitlab_job(jobs, parent)
        base.update(job)
        job = base
    return job


def as_lines(value):
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def gitlab(recipe, project, work):
    stages = recipe.get("stages", ["build", "test", "deploy"])
    names = [n for n, j in recipe.items()
             if isinstance(j, dict) and not n.startswith(".") and "script" in gitlab_job(recipe, n)]
    store = os.path.join(work, "artifacts")
    os.makedirs(store, exist_ok=True)
    variables = {k: str(v) for k, v in recipe.get("variables", {}).items()}
    for stage in stages:
        for name in [n for n in names if gitlab_job(recipe, n).get("stage", "test") == stage]:
            job = gitlab_job(recipe, name)
            n = int(job.get("parallel", 1))
            for index in range(1, n + 1):
                label = name if n == 1 else f"{name}-{index}"
                cwd = fresh_checkout(project, work, label)
                for artifact in sorted(os.listdir(store)):  # the earlier jobs' artifacts, or those of needs:
                    if "needs" not in job or re.sub(r"-[0-9]+$", "", artifact) in job["needs"] or artifact in job["needs"]:
                        copy_into(os.path.join(store, artifact), cwd)
                env = dict(os.environ, CI="true", GITLAB_CI="true", CI_JOB_NAME=label, **variables)
                if n > 1:
                    env.update(CI_NODE_INDEX=str(index), CI_NODE_TOTAL=str(n))
                rc = run_script(as_lines(job.get("before_script")) + as_lines(job["script"]), cwd, env, f"{label}: script")
                if job.get("after_script"):
                    run_script(as_lines(job["after_script"]), cwd, env, f"{label}: after_script")
                artifacts = job.get("artifacts", {})
                if rc == 0 or artifacts.get("when") in ("always", "on_failure"):
                    saved = os.path.join(store, label)
                    os.makedirs(saved, exist_ok=True)
                    for pattern in artifacts.get("paths", []):
                        found = glob.glob(os.path.join(cwd, pattern))
                        if not found:
                            fail(f"{label}: artifacts: {pattern} matches nothing")
                        for path in found:
                            copy_into(path, os.path.join(saved, os.path.relpath(path, cwd)))
                    for kind, path in artifacts.get("reports", {}).items():
                        if not glob.glob(os.path.join(cwd, path)):
                            fail(f"{label}: artifacts: reports: {kind}: {path} does not exist")
                if rc != 0:
                    fail(f"job {label} failed")
    print("ci: every GitLab CI job passed", flush=True)


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("github", "gitlab"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    kind, path, project, work = sys.argv[1:]
    with open(path) as f:
        recipe = yaml.safe_load(f)
    # YAML 1.1 reads GitHub's `on:` as True; nothing here needs it
    (github if kind == "github" else gitlab)(recipe, os.path.abspath(project), os.path.abspath(work))


if __name__ == "__main__":
    main()
