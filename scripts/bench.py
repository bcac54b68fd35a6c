"""`make bench`: time every notebook in smoke and teach, and measure GAN training throughput.

Writes ``figures/bench/bench.json`` and ``figures/bench/bench.md`` and prints the table.
Notebooks run into a temporary folder (figures and checkpoints included), so the committed
notebooks and figures are untouched and every run trains from scratch. Timings are of this
machine at this moment: run it on an idle machine and read them as such.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def time_notebook(nb: Path, profile: str, work: Path) -> float:
    env = dict(os.environ, GAN_COURSE_FIGURES=str(work / "figures"),
               GAN_COURSE_ARTIFACTS=str(work / f"artifacts-{profile}-{nb.stem}"))
    out = work / f"{nb.stem}-{profile}.ipynb"
    cmd = [sys.executable, "-m", "papermill", str(nb), str(out), "-k", "python3", "--cwd", str(nb.parent),
           "-p", "PROFILE", profile, "-p", "SHOW_PROGRESS", "False", "--no-progress-bar"]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def throughput(arch: str, nz: int, n_images: int = 4096, epochs: int = 2, batch_size: int = 32) -> float:
    """Training images per second of one GAN (D and G step per batch) on random images."""
    import torch

    from helpers.train import GANConfig, train_gan

    x = torch.rand(n_images, 1, 28, 28) * 2 - 1
    cfg = GANConfig(arch=arch, nz=nz, width=32 if arch == "dcgan" else 128, epochs=1, batch_size=batch_size)
    train_gan(cfg, x[:512], progress=False)  # warm-up
    cfg = GANConfig(arch=arch, nz=nz, width=32 if arch == "dcgan" else 128, epochs=epochs, batch_size=batch_size)
    t0 = time.perf_counter()
    train_gan(cfg, x, progress=False)
    return epochs * (n_images // batch_size) * batch_size / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profiles", nargs="+", default=["smoke", "teach"])
    ap.add_argument("--skip-notebooks", action="store_true")
    args = ap.parse_args()
    import torch

    result: dict = {"machine": {"python": platform.python_version(), "torch": torch.__version__,
                                "cpus": os.cpu_count(), "threads": torch.get_num_threads(),
                                "platform": platform.platform()},
                    "notebooks": {}, "throughput_images_per_s": {}}
    for arch, nz in [("dcgan", 100), ("dcgan", 2), ("mlp", 100)]:
        ips = throughput(arch, nz)
        result["throughput_images_per_s"][f"{arch} nz={nz}"] = round(ips, 1)
        print(f"[bench] {arch} nz={nz}: {ips:,.0f} training images/s", flush=True)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if not args.skip_notebooks:
        notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        with tempfile.TemporaryDirectory(prefix="gan-course-bench-") as tmp:
            for nb in notebooks:
                for profile in args.profiles:
                    secs = time_notebook(nb, profile, Path(tmp))
                    result["notebooks"].setdefault(nb.stem, {})[profile] = round(secs, 1)
                    print(f"[bench] {nb.stem} {profile}: {secs:.1f} s", flush=True)
    out = ROOT / "figures" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["| notebook | " + " | ".join(f"{p} (s)" for p in args.profiles) + " |",
             "|---|" + "---|" * len(args.profiles)]
    for nb, t in result["notebooks"].items():
        lines.append(f"| {nb} | " + " | ".join(str(t.get(p, "")) for p in args.profiles) + " |")
    if result["notebooks"]:
        lines.append("| **all** | " + " | ".join(
            str(round(sum(t.get(p, 0) for t in result["notebooks"].values()), 1)) for p in args.profiles) + " |")
    lines += ["", "| model (batch 32) | training images/s |", "|---|---|"]
    lines += [f"| {k} | {v:,.0f} |" for k, v in result["throughput_images_per_s"].items()]
    m = result["machine"]
    lines += ["", f"Machine: {m['cpus']} CPUs, torch {m['torch']} ({m['threads']} threads), Python {m['python']}; "
                  f"peak memory of the throughput runs {result['peak_rss_mb']} MB."]
    (out / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
