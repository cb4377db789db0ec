# CPython with a SIGCHLD handler of its own waits for one child while
# another dies.  The second child (a python -c) exits only once /proc says
# this process sleeps in wait4 (syscall 61 on x86_64), so its SIGCHLD comes
# during the wait, when no child is dead yet; the first child exits only
# when the Python-level handler (run by CPython between the EINTR and its
# retry, PEP 475) closes its stdin.  No timing: without the interruption
# the first child never exits (and the run hangs, which hang reports).
import os
import signal
import subprocess
import sys

first = subprocess.Popen(["/bin/sh", "-c", "read x; exit 3"], stdin=subprocess.PIPE)


def on_sigchld(sig, frame):
    if not first.stdin.closed:
        first.stdin.close()


signal.signal(signal.SIGCHLD, on_sigchld)
watch = (
    "import sys\n"
    "path = '/proc/%d/syscall' % int(sys.argv[1])\n"
    "while not open(path).read().startswith('61 '):\n"
    "    pass\n"
)
second = subprocess.Popen([sys.executable, "-c", watch, str(os.getpid())])
code = first.wait()
second.wait()
print("first exited", code, "second exited", second.returncode)
sys.exit(0 if code == 3 and second.returncode == 0 else 1)
