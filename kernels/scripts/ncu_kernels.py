#!/usr/bin/env python3
"""Per-kernel device time from an ncu CSV (ncu --csv --metrics gpu__time_duration.sum ...).

  ncu_kernels.py NCU.csv [STEPS] > kernels.tsv        (a summary line goes to stderr)

Reads the rows whose "Metric Name" is gpu__time_duration.sum and sums their "Metric Value" (in the
row's "Metric Unit": ns, us, ms or s; thousands separators allowed) per "Kernel Name". Writes
kernel, launches, total_us, mean_us and share of the total, largest first, and on stderr one line:
the launches and device time per step (STEPS, default 1) and the three largest kernels. Exit 2 when
the file has no such rows or lacks a column (the CSV's first lines are then printed to stderr).
"""
import csv
import sys

UNITS = {"ns": 1e-3, "nsecond": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3, "s": 1e6, "second": 1e6}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with open(sys.argv[1], newline="") as f:
        lines = [l for l in f if l.startswith('"')]   # ncu's own ==PROF== lines are not CSV
    rows = list(csv.DictReader(lines))
    need = ("Kernel Name", "Metric Name", "Metric Unit", "Metric Value")
    if not rows or any(c not in rows[0] for c in need):
        sys.stderr.write("ncu_kernels: no CSV with columns %s in %s; it begins:\n%s" % (", ".join(need), sys.argv[1], "".join(lines[:3])))
        sys.exit(2)
    total, count = {}, {}
    for r in rows:
        if r["Metric Name"] != "gpu__time_duration.sum":
            continue
        unit = UNITS.get(r["Metric Unit"].strip())
        if unit is None:
            sys.stderr.write("ncu_kernels: unknown time unit %r\n" % r["Metric Unit"])
            sys.exit(2)
        us = float(r["Metric Value"].replace(",", "")) * unit
        k = r["Kernel Name"]
        total[k] = total.get(k, 0.0) + us
        count[k] = count.get(k, 0) + 1
    if not total:
        sys.stderr.write("ncu_kernels: no gpu__time_duration.sum rows in %s\n" % sys.argv[1])
        sys.exit(2)
    all_us = sum(total.values())
    print("kernel\tlaunches\ttotal_us\tmean_us\tshare")
    ranked = sorted(total, key=lambda k: -total[k])
    for k in ranked:
        print("%s\t%d\t%.1f\t%.2f\t%.3f" % (k, count[k], total[k], total[k] / count[k], total[k] / all_us))
    top = ", ".join("%s %.0f%%" % (k, 100 * total[k] / all_us) for k in ranked[:3])
    sys.stderr.write("%d launches, %.2f ms of device time per step; largest: %s\n"
                     % (sum(count.values()) // steps, all_us / steps / 1e3, top))


if __name__ == "__main__":
    main()
