"""probes/issue14/results.jsonl (one probe per line) -> the table of RESULTS.md: `python probes/issue14/table.py probes/issue14/results.jsonl`."""
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def name(o):
    a = o["args"]
    parts = [("2-dim G" if a.get("nz2") else "DCGAN")]
    if a.get("profile") == "smoke": parts[0] += " (smoke: 2,000 images, 8 epochs)"
    levers = [k for k in ("fc_g", "fc_d", "fc_d_no_bn", "d_conv3", "lr_decay", "sn_d", "mbstd", "train_per_sample")
              if a.get(k)]
    parts += [{"fc_g": "FC layer in G", "fc_d": "FC layer in D", "fc_d_no_bn": "no BatchNorm in D's FC layer",
               "d_conv3": "a third convolution in D", "lr_decay": "LR decay", "sn_d": "spectral norm in D",
               "mbstd": "minibatch std in D", "train_per_sample": "BatchNorm per sample in training"}[k]
              for k in levers]
    if a.get("d_conv3_channels"): parts.append(f"its {a['d_conv3_channels']} channels")
    if a.get("d_conv3_kernel", 3) != 3: parts.append(f"{a['d_conv3_kernel']}x{a['d_conv3_kernel']} kernel")
    if a.get("pack", 1) > 1: parts.append(f"PacGAN {a['pack']}")
    if a.get("loss") == "hinge": parts.append("hinge loss")
    if a.get("r1"): parts.append(f"R1 {a['r1']:g}")
    if a.get("lr_g"): parts.append(f"G's LR {a['lr_g']:g}")
    if a.get("lr_d"): parts.append(f"D's LR {a['lr_d']:g}")
    if a.get("hidden") and a["hidden"] != 256: parts.append(f"FC {a['hidden']} units")
    if a.get("width"): parts.append(f"width {a['width']}")
    if a.get("batch"): parts.append(f"batch {a['batch']}")
    if a.get("epochs"): parts.append(f"{a['epochs']} epochs")
    if len(parts) == 1: parts.append("as committed")
    return ", ".join(parts) + (" (third round)" if o.get("round") == 3 else "")
out = ["| variant | seed | train s | last G: FD · sure · KL · classes | EMA 0.995 G: FD · sure · KL · classes "
       "| second half, 20 snapshots: all 10 digits · median digits · mean sure |", "|---|---|---|---|---|---|"]
for o in sorted(rows, key=lambda o: (name(o), o["seed"])):
    cell = lambda r: f"{r['fd']:.0f} · {r['sure_share']:.3f} · {r['kl_uniform']:.3f} · {r['classes_covered']}"
    h = o.get("half_snapshots")
    half = f"{h['share_all_10']:.2f} · {h['classes_median']:.0f} · {h['sure_mean']:.3f}" if h else "—"
    out.append(f"| {name(o)} | {o['seed']} | {o['train_s']:.0f} | {cell(o['last'])} | "
               f"{cell(o['ema0.995']) if o.get('ema0.995') else '—'} | {half} |")
print("\n".join(out))
