"""Parameters and MACs (fvcore convention, at 256x256) of every network, against DESIGN §3 budgets.

    python count.py            -> a table; exit status 1 if a student breaks its budget
"""
import sys

from model import CONFIGS, TEACHERS, build_student, build_teacher, count_macs, count_params

BUDGETS = {"ldfc-net": (50_000, 2.98e9), "ldfc-net-rt": (50_000, 0.30e9), "ldfc-net-rt-g": (50_000, 0.30e9), "ldfc-net-g": (50_000, 2.98e9)}


def rows():
    out = []
    for name in CONFIGS:
        m = build_student(name)
        out.append((name, count_params(m), count_macs(m), BUDGETS[name]))
    for name in TEACHERS:
        t = build_teacher(name)
        out.append((name, count_params(t), count_macs(t), None))
    return out


def main():
    ok = True
    student_params = max(p for n, p, _, b in rows() if b)
    print(f"{'network':<14}{'params':>10}{'GMACs@256':>11}  budget")
    for name, p, macs, budget in rows():
        if budget:
            fits = p <= budget[0] and macs <= budget[1]
            ok &= fits
            note = f"<= {budget[0] / 1e3:.0f} K, <= {budget[1] / 1e9:.2f} G: {'ok' if fits else 'OVER'}"
        else:
            note = f"{p / student_params:.0f}x the largest student"
        print(f"{name:<14}{p:>10}{macs / 1e9:>11.3f}  {note}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
