"""probes/issue14/codegan_results.jsonl -> the table of CODEGAN_RESULTS.md:
`python probes/issue14/codegan_table.py probes/issue14/codegan_results.jsonl`."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
LABELS = {"lambda_cat": "lambda_cat {}", "lambda_cont": "lambda_cont {}", "cont_loss": "{} sigma",
          "lr_g": "G's LR {}", "lr_d": "D's LR {}", "lr_q": "Q's LR {}", "batch": "batch {}", "epochs": "{} epochs",
          "info_step": "info step {}"}


def name(o):
    a = o["args"]
    parts = [LABELS[k].format(a[k]) for k in LABELS if a.get(k) is not None]
    if a.get("class_weight_d", 1.0) != 1.0:
        parts.append(f"class weight D {a['class_weight_d']:g}")
    if a.get("class_weight_g", 1.0) != 1.0:
        parts.append(f"class weight G {a['class_weight_g']:g}")
    return o["kind"] + ", " + (", ".join(parts) if parts else "as committed")


plain = {o["seed"]: o["last"]["max_abs_rho"] for o in rows if o["kind"] == "plain" and name(o) == "plain, as committed"}
f3 = lambda v: f"{v:.3f}"  # noqa: E731
f2 = lambda v: f"{v:.2f}"  # noqa: E731
out = ["| variant | seed | train s | Hungarian | identity | slant/width min abs(rho) | max abs(rho) | plain best abs(rho) "
       "| sure | FD |", "|---|---|---|---|---|---|---|---|---|---|"]
for o in sorted(rows, key=lambda o: (o["kind"], name(o) != f"{o['kind']}, as committed", name(o), o["seed"])):
    L, E = o["last"], o.get("ema0.995")
    both = lambda k, f: f"{f(L[k])} ({f(E[k])})" if E else f(L[k])  # noqa: E731
    out.append(f"| {name(o)} | {o['seed']} | {o['train_s']:.0f} | {both('hungarian', f3)} | {both('identity', f3)} "
               f"| {both('slant_width', f2)} | {both('max_abs_rho', f2)} | {f2(plain[o['seed']]) if o['seed'] in plain else '—'} "
               f"| {both('sure_share', f3)} | {both('fd', lambda v: f'{v:.0f}')} |")
print("\n".join(out))
