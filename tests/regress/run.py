#!/usr/bin/env python3
"""Run the regress tier; see harness.py for what a test looks like.

  python3 tests/regress/run.py [-k SUBSTRING] [-v]
"""
import importlib.util
import inspect
import os
import shutil
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DEMO_PASSWORD, SECRETS, Skip, Stack  # noqa: E402


def load_modules(pattern):
    here = os.path.dirname(os.path.abspath(__file__))
    mods = []
    for name in sorted(os.listdir(here)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(here, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        tests = [(n, f) for n, f in inspect.getmembers(mod, inspect.isfunction)
                 if n.startswith("test_") and f.__module__ == mod.__name__]
        tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
        tests = [(mod.__name__ + "." + n, f) for n, f in tests
                 if pattern is None or pattern in mod.__name__ + "." + n]
        if tests:
            mods.append((mod, tests))
    return mods


def main():
    args = sys.argv[1:]
    pattern = None
    verbose = "-v" in args
    if "-k" in args:
        pattern = args[args.index("-k") + 1]
    bin_dir = os.environ.get("BIN", "bin")
    passed = failed = skipped = 0
    stack = Stack(bin_dir)
    try:
        stack.start()
    except Exception as e:
        print("FAIL stack start: %s" % e)
        print("# regress: 0 passed, 1 failed")
        stack.cleanup()
        return 1
    try:
        for mod, tests in load_modules(pattern):
            for name, fn in tests:
                t0 = time.time()
                try:
                    fn(stack)
                    passed += 1
                    print("ok   %s (%.2fs)" % (name, time.time() - t0), flush=True)
                except Skip as e:
                    skipped += 1
                    print("skip %s: %s" % (name, e), flush=True)
                except Exception as e:
                    failed += 1
                    print("FAIL %s: %s" % (name, e), flush=True)
                    if verbose or not isinstance(e, AssertionError):
                        traceback.print_exc(file=sys.stdout)
                if stack.proc is None or stack.proc.poll() is not None:
                    # A test stopped the stack (or it died): bring it back.
                    stack.stop()
                    stack.start()
    finally:
        rc = stack.stop()
        if rc not in (0, None):
            failed += 1
            print("FAIL clean shutdown: run.sh exited %s" % rc)
        logs = stack.logs()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in logs:
                failed += 1
                i = logs.index(marker)
                print("FAIL sanitizer report in server logs:\n" + logs[max(0, i - 200):i + 2000])
                break
        # every password, session token and API token the tests handled
        leaked = [x for x in SECRETS + [DEMO_PASSWORD] if x in logs]
        if leaked:
            failed += 1
            print("FAIL secrets in server logs: %d of %d" % (len(leaked), len(SECRETS) + 1))
        else:
            passed += 1
            print("ok   no password or token in the server logs (%d checked)" % (
                len(SECRETS) + 1))
        leftovers = subprocess.run(["pgrep", "-f", stack.data], capture_output=True).stdout.split()
        if leftovers:
            failed += 1
            print("FAIL clean shutdown: processes left: %s" % leftovers)
        if os.environ.get("HTQ_KEEP") is None:
            shutil.rmtree(stack.data, ignore_errors=True)
    line = "# regress: %d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
