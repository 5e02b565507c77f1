#!/usr/bin/env python3
"""End-to-end throughput of `jifen score --batch`: builds the release binary, writes N
profiles as JSON Lines, and times the binary scoring them, several runs per thread count.
Prints the median and best rate.

Usage: bench/batch.py [N] [RUNS] [--random] [--explain full|none] [--out PATH] [--threads 1,0]
                      [--keep PROFILES.jsonl] [--no-build]
       JIFEN_BIN=path bench/batch.py … --no-build     # another build of jifen

By default the profiles are the typical profile with varying birth year and base; with
--random they are drawn at random (seeded, so every run scores the same lines): education,
title or skill, one to four insurance ranges (the latest sometimes open), spouse, awards,
Lin-gang, records. Results go to /dev/null unless --out names a file (it is overwritten
each run and removed at the end). --threads lists thread counts, 0 meaning all cores."""
import argparse, json, os, pathlib, random, statistics, subprocess, tempfile, time

root = pathlib.Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("n", nargs="?", type=int, default=100_000)
parser.add_argument("runs", nargs="?", type=int, default=7)
parser.add_argument("--random", action="store_true")
parser.add_argument("--explain", choices=["full", "none"], default="full")
parser.add_argument("--out", default=os.devnull)
parser.add_argument("--threads", default="1,0")
parser.add_argument("--keep", metavar="PATH", help="write the profiles here and keep them")
parser.add_argument("--no-build", action="store_true", help="time the release binary as it is")
args = parser.parse_args()

if not args.no_build:
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "jifen"], cwd=root, check=True)
target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
# JIFEN_BIN=path: time that binary (to compare two builds; add --no-build).
jifen = pathlib.Path(os.environ["JIFEN_BIN"]) if os.environ.get("JIFEN_BIN") else target / "release" / "jifen"


def month(year, m):
    return f"{year:04d}-{m:02d}"


def random_profile(rng):
    profile = {"as_of": "2025-06-30", "birth_date": f"{rng.randint(1966, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
    level = rng.choice([None, "associate", "bachelor", "bachelor", "master", "doctor"])
    if level:
        education = {"level": level, "graduated_on": f"{rng.randint(2000, 2025)}-07-01"}
        if level == "bachelor":
            education["degree"] = rng.random() < 0.7
        if level == "associate" and rng.random() < 0.2:
            education["shortage_major"] = True
        profile["education"] = [education]
    if rng.random() < 0.5:
        if rng.random() < 0.6:
            qualification = {"kind": "title", "level": rng.choice(["junior", "intermediate", "senior"])}
        else:
            qualification = {"kind": "skill", "level": rng.randint(1, 5)}
        qualification["obtained_on"] = f"{rng.randint(2008, 2025)}-{rng.randint(1, 6):02d}-01"
        profile["qualifications"] = [qualification]
    ranges, start = [], rng.randint(2008 * 12, 2024 * 12)
    for _ in range(rng.randint(1, 4)):
        if start > 2025 * 12 + 5:
            break
        length = rng.randint(3, 60)
        end = min(start + length - 1, 2025 * 12 + 5)
        period = {"from": month(start // 12, start % 12 + 1), "to": month(end // 12, end % 12 + 1),
                  "base": rng.randint(5000, 40000)}
        if rng.random() < 0.05:
            period["back_paid"] = True
        ranges.append(period)
        start = end + 1 + rng.randint(0, 12)
    if ranges and rng.random() < 0.3:
        del ranges[-1]["to"]  # still insured
    if ranges:
        profile["social_insurance"] = ranges
    if rng.random() < 0.3:
        profile["spouse"] = {"shanghai_hukou": rng.random() < 0.5, "married_on": f"{rng.randint(2005, 2024)}-05-01"}
    if rng.random() < 0.1:
        profile["awards"] = [{"level": rng.choice(["municipal_special", "municipal_comprehensive", "national"])}]
    if rng.random() < 0.1:
        profile["lingang"] = {"since": f"{rng.randint(2018, 2025)}-03-01"}
    if rng.random() < 0.05:
        profile["records"] = {"detentions": [f"{rng.randint(2018, 2025)}-02-01"]}
    return profile


typical = json.loads((root / "testdata/bench/typical-profile.json").read_text())
rng = random.Random(15)
with (open(args.keep, "w") if args.keep else tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)) as f:
    for i in range(args.n):
        if args.random:
            profile = random_profile(rng)
        else:
            profile = typical
            profile["birth_date"] = f"{1970 + i % 30}-03-15"
            profile["social_insurance"][3]["base"] = 9000 + (i % 50) * 300
        f.write(json.dumps(profile, separators=(",", ":")) + "\n")
    path = f.name

kind = "random" if args.random else "typical"
print(f"jifen score --batch --explain {args.explain}: {args.n} {kind} profiles, {args.runs} runs each, "
      f"{os.cpu_count()} cores, results to {args.out}")
for threads in [int(t) for t in args.threads.split(",")]:
    rates = []
    for _ in range(args.runs):
        with open(args.out, "wb") as out:
            start = time.perf_counter()
            subprocess.run([jifen, "score", "--batch", path, "--explain", args.explain, "--threads", str(threads)],
                           stdout=out, stderr=subprocess.DEVNULL, check=True)
            rates.append(args.n / (time.perf_counter() - start))
    size = os.path.getsize(args.out) if args.out != os.devnull else 0
    label = "all cores" if threads == 0 else f"{threads} thread"
    written = f", {size / args.n:,.0f} bytes per result" if size else ""
    print(f"  {label:>9}: median {statistics.median(rates):>10,.0f} profiles/s, best {max(rates):>10,.0f}{written}")
if not args.keep:
    os.unlink(path)
if args.out != os.devnull:
    os.unlink(args.out)
