#!/usr/bin/env python3
"""End-to-end throughput of `jifen score --batch`: builds the release binary, writes N
profiles (the typical profile with varying birth year and base) as JSON Lines, and times
the binary scoring them into /dev/null, several runs per thread count. Prints the median
and best rate. Usage: bench/batch.py [N] [RUNS]"""
import json, os, pathlib, statistics, subprocess, sys, tempfile, time

root = pathlib.Path(__file__).resolve().parent.parent
n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
subprocess.run(["cargo", "build", "--release", "-q", "-p", "jifen"], cwd=root, check=True)
target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
jifen = target / "release" / "jifen"

typical = json.loads((root / "testdata/bench/typical-profile.json").read_text())
with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
    for i in range(n):
        typical["birth_date"] = f"{1970 + i % 30}-03-15"
        typical["social_insurance"][3]["base"] = 9000 + (i % 50) * 300
        f.write(json.dumps(typical, separators=(",", ":")) + "\n")
    path = f.name

print(f"jifen score --batch: {n} profiles, {runs} runs each, {os.cpu_count()} cores")
for threads in [1, 0]:
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([jifen, "score", "--batch", path, "--threads", str(threads)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        rates.append(n / (time.perf_counter() - start))
    label = "all cores" if threads == 0 else f"{threads} thread"
    print(f"  {label:>9}: median {statistics.median(rates):>9,.0f} profiles/s, best {max(rates):>9,.0f}")
os.unlink(path)
