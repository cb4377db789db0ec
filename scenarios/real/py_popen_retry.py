# A program nobody here wrote (CPython's subprocess) used as a long-running
# service would: a failed Popen is caught and retried; the descriptors a
# failed attempt took must not stay open.  Exits 0 when every attempt ran
# or failed cleanly with OSError (the oracles judge the rest).
import subprocess
import sys

for attempt in range(3):
    try:
        subprocess.run(["/bin/true"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        print("attempt", attempt, "ran")
    except OSError as e:
        print("attempt", attempt, "failed:", e, file=sys.stderr)
