#!/usr/bin/env python3
"""Times commands as hyperfine -N does, but interleaved: each round runs
every command once, in an order reversed every other round, so drift on a
shared machine (a neighbour's load, CPU frequency, the page cache) weighs
on all of them alike. hyperfine runs one command's runs in a block, then
the next's: with two commands within a few percent of each other, which one
ran while the machine was busier could decide the ratio.

    interleave.py [--warmup N] [--runs N] --export-json FILE -n NAME CMD [-n NAME CMD]...

CMD is one shell-quoted string (split with shlex, run without a shell);
stdin, stdout and stderr are /dev/null. A run that exits non-zero stops
everything (exit 1). FILE gets hyperfine's JSON layout for the fields the
bench scripts read: results[].command, mean, median, stddev, min, max,
user, system (seconds), times.
"""
import json
import os
import shlex
import statistics
import sys
import time


def parse(args):
    """--warmup N, --runs N, --export-json FILE, then pairs of -n NAME CMD."""
    options = {"warmup": 0, "runs": 10, "export_json": None}
    names, commands = [], []
    while args:
        flag = args.pop(0)
        if flag in ("--warmup", "--runs", "--export-json") and args:
            value = args.pop(0)
            options[flag[2:].replace("-", "_")] = value if flag == "--export-json" else int(value)
        elif flag in ("-n", "--command-name") and len(args) >= 2:
            names.append(args.pop(0))
            commands.append(args.pop(0))
        else:
            sys.exit(f"interleave: unexpected {flag!r}\n{__doc__}")
    if not names or options["export_json"] is None:
        sys.exit(f"interleave: --export-json and at least one -n NAME CMD are needed\n{__doc__}")
    if not 1 <= options["runs"] <= 100000 or not 0 <= options["warmup"] <= 10000:
        sys.exit("interleave: --runs is 1 to 100000, --warmup 0 to 10000")
    return options, names, commands


def main():
    options, names, commands = parse(sys.argv[1:])
    argvs = [shlex.split(command) for command in commands]
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)]
    wall = [[] for _ in argvs]
    user = [[] for _ in argvs]
    system = [[] for _ in argvs]
    for round_number in range(options["warmup"] + options["runs"]):
        order = range(len(argvs)) if round_number % 2 == 0 else reversed(range(len(argvs)))
        for index in order:
            argv = argvs[index]
            start = time.perf_counter()
            pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
            _, status, usage = os.wait4(pid, 0)
            elapsed = time.perf_counter() - start
            if status != 0:
                sys.exit(f"interleave: {names[index]} failed ({os.waitstatus_to_exitcode(status)}): {shlex.join(argv)}")
            if round_number >= options["warmup"]:
                wall[index].append(elapsed)
                user[index].append(usage.ru_utime)
                system[index].append(usage.ru_stime)
    results = []
    for index, name in enumerate(names):
        times = wall[index]
        results.append({"command": name, "mean": statistics.mean(times), "median": statistics.median(times),
                        "stddev": statistics.stdev(times) if len(times) > 1 else 0.0, "min": min(times), "max": max(times),
                        "user": statistics.mean(user[index]), "system": statistics.mean(system[index]), "times": times})
        print(f"  {name}: {results[-1]['mean'] * 1000:.2f} ms ± {results[-1]['stddev'] * 1000:.2f} ms "
              f"(median {results[-1]['median'] * 1000:.2f} ms, user {results[-1]['user'] * 1000:.2f} ms, "
              f"system {results[-1]['system'] * 1000:.2f} ms; {len(times)} runs)", file=sys.stderr)
    with open(options["export_json"], "w") as out:
        json.dump({"results": results}, out)


if __name__ == "__main__":
    main()
