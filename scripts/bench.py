"""`make bench`: time every notebook in smoke and teach, and measure GAN training throughput.

Writes ``figures/bench/bench.json`` and ``figures/bench/bench.md`` and prints the table.
Notebooks run in order into a temporary folder (figures and checkpoints included, one artifacts
folder per profile, empty at the start, as a fresh ``make run``), so the committed notebooks and
figures are untouched. The README's course map is regenerated from the new times. Timings are of this
machine at this moment: run it on an idle machine and read them as such.

Throughput, in the same run and with the same number of threads (``--threads``, default 1: on a
shared 2-core machine two OpenMP threads are slowed down by any other process): the course's GANs,
and beside them the original authors' DCGAN for the sector figure (64x64 MNIST, widths
512-256-128-64, nz = 2, batch 64, Adam 1e-3; ``../shared/REPRODUCTION_NOTES.md``), from which the
table states the training time to the sector figure (our 20 epochs on 5,000 images against their
12 epochs on 60,000, and on 5,000) and the speed-up. ``--skip-notebooks`` measures throughput only
and keeps the notebook timings of the previous bench.json, marked as from an earlier run.
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from helpers.train import GANConfig

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def time_notebook(nb: Path, profile: str, work: Path) -> float:
    """Seconds papermill takes to execute ``nb`` in ``profile``. Artifacts go to one folder per
    profile under ``work`` (empty at the start), so notebooks timed in order find the checkpoints
    of the ones before them, as in ``make run``."""
    env = dict(os.environ, GAN_COURSE_FIGURES=str(work / "figures"),
               GAN_COURSE_ARTIFACTS=str(work / f"artifacts-{profile}"), GAN_COURSE_PROGRESS="text")
    out = work / f"{nb.stem}-{profile}.ipynb"
    cmd = [sys.executable, "-m", "papermill", str(nb), str(out), "-k", "python3", "--cwd", str(nb.parent),
           "-p", "PROFILE", profile, "-p", "SHOW_PROGRESS", "False", "--no-progress-bar"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        raise SystemExit(f"[bench] {nb.name} failed in {profile} (executed copy: {out}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - t0


def throughput(cfg: GANConfig, n_images: int = 4096) -> float:
    """Training images per second of ``helpers.train.train_gan`` (a D and a G step per batch, and
    whatever ``cfg`` adds, e.g. snapshots) on random 28x28 images, after a one-epoch warm-up."""
    import dataclasses

    import torch

    from helpers.train import train_gan

    x = torch.rand(n_images, 1, 28, 28) * 2 - 1
    train_gan(dataclasses.replace(cfg, epochs=1), x[:max(512, cfg.batch_size * cfg.snapshots_per_epoch)],
              progress=False, device=torch.device("cpu"))  # warm-up
    t0 = time.perf_counter()
    train_gan(cfg, x, progress=False, device=torch.device("cpu"))
    return cfg.epochs * (n_images // cfg.batch_size) * cfg.batch_size / (time.perf_counter() - t0)


def course_configs() -> dict[str, GANConfig]:
    """The course's GANs as the notebooks train them (2 epochs here); the 2-dim generator is
    ``helpers.course.noise2_config``, notebook 03's (batch 32, 10 snapshots per epoch)."""
    import dataclasses

    import torch

    from helpers import course
    from helpers.data import Dataset, Images
    from helpers.train import GANConfig

    fake = Images(torch.zeros(5000, 28, 28, dtype=torch.uint8), torch.zeros(5000, dtype=torch.long),
                  "random images (throughput only)")
    data = Dataset("mnist", fake, fake, "")
    two = lambda cfg: dataclasses.replace(cfg, epochs=2)  # noqa: E731
    return {"dcgan nz=100": two(course.dcgan_config("teach", 0, data)),
            "dcgan nz=2 (notebook 03's 2-dim generator)": two(course.noise2_config("teach", 0, data)),
            "mlp nz=100": GANConfig(arch="mlp", nz=100, width=128, epochs=2, batch_size=32)}


def authors_dcgan(nz: int = 2) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The original authors' DCGAN (``Ranchofromxgd/DCGAN_mnist``, as the notes describe it), 64x64.

    G: ConvT(nz->512, k4, s1, p0), then 256, 128, 64 and 1 channels at stride 2, BatchNorm + ReLU,
    Tanh out; D: Conv 64 (LeakyReLU 0.2), 128, 256, 512 (BatchNorm + LeakyReLU), Conv(512->1, k4)
    and Sigmoid. No biases; weights N(0, 0.02), BatchNorm weights N(1, 0.02). Only the bench uses
    it (no notebook trains it), so it lives here and not in ``helpers.models``.
    """
    from torch import nn

    from helpers.models import init_weights

    def up(cin: int, cout: int, stride: int = 2, pad: int = 1) -> list[nn.Module]:
        return [nn.ConvTranspose2d(cin, cout, 4, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]

    def down(cin: int, cout: int, bn: bool = True) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), *([nn.BatchNorm2d(cout)] if bn else []),
                nn.LeakyReLU(0.2, inplace=True)]

    G = nn.Sequential(*up(nz, 512, 1, 0), *up(512, 256), *up(256, 128), *up(128, 64),
                      nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh())
    D = nn.Sequential(*down(1, 64, bn=False), *down(64, 128), *down(128, 256), *down(256, 512),
                      nn.Conv2d(512, 1, 4, 1, 0, bias=False), nn.Sigmoid(), nn.Flatten(0))
    init_weights(G)
    init_weights(D)
    return G, D


def authors_throughput(seconds: float = 20.0, batch_size: int = 64, nz: int = 2) -> float:
    """Training images per second of the authors' DCGAN on 64x64 images, their training step (BCE on
    D's sigmoid, Adam 1e-3, betas (0.5, 0.999)), after two warm-up steps; timed for at least
    ``seconds`` and 3 steps. The images are pre-resized to 64x64: their pipeline's per-image
    Resize(64) is not counted, which favours them."""
    import torch

    torch.manual_seed(999)  # their seed
    G, D = authors_dcgan(nz)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    bce = torch.nn.BCELoss()
    real = torch.rand(batch_size, 1, 64, 64) * 2 - 1
    ones, zeros = torch.ones(batch_size), torch.zeros(batch_size)

    def step() -> None:
        fake = G(torch.randn(batch_size, nz, 1, 1))
        loss_d = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        loss_g = bce(D(fake), ones)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

    for _ in range(2):
        step()
    steps, t0 = 0, time.perf_counter()
    while steps < 3 or time.perf_counter() - t0 < seconds:
        step()
        steps += 1
    return steps * batch_size / (time.perf_counter() - t0)


#: the runs to the sector figure: (name, epochs, training images, images per second key)
SECTOR_RUNS = [("ours: 2-dim DCGAN, 28x28, 2 epochs on 50,000 images (batch 32; teach)", 2, 50000, 32, "ours"),
               ("authors: 64x64 DCGAN, 12 epochs on 60,000 images (their default, batch 64)", 12, 60000, 64, "authors"),
               ("authors: 64x64 DCGAN, 2 epochs on 50,000 images (batch 64)", 2, 50000, 64, "authors")]


def sector_times(ips_ours: float, ips_authors: float) -> list[dict[str, Any]]:
    """Training seconds to the sector figure for each of SECTOR_RUNS, and its factor over ours.

    Images per epoch as each trainer feeds them: ``train_gan`` drops the last incomplete batch,
    the authors' DataLoader did not."""
    rows = []
    for name, epochs, n, batch, who in SECTOR_RUNS:
        per_epoch = n // batch * batch if who == "ours" else n
        secs = epochs * per_epoch / (ips_ours if who == "ours" else ips_authors)
        rows.append({"run": name, "epochs": epochs, "images": n, "seconds": round(secs, 1)})
    for r in rows:
        r["times_ours"] = round(r["seconds"] / rows[0]["seconds"], 1)
    return rows


def previous_notebooks(path: Path) -> dict[str, Any]:
    """The notebook timings of an earlier bench.json (empty if there is none)."""
    return json.loads(path.read_text()).get("notebooks", {}) if path.is_file() else {}


def fmt_secs(s: float) -> str:
    return f"{s:,.0f} s" if s < 3600 else f"{s:,.0f} s ({s / 3600:.1f} h)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", nargs="+", default=["smoke", "teach"])
    ap.add_argument("--skip-notebooks", action="store_true",
                    help="measure throughput only; keep the notebook timings of the previous bench.json")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for every throughput run (default 1)")
    ap.add_argument("--authors-seconds", type=float, default=20.0, help="how long to time the authors' DCGAN")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    out = ROOT / "figures" / "bench"
    result: dict = {"date": time.strftime("%Y-%m-%d"),
                    "machine": {"python": platform.python_version(), "torch": torch.__version__,
                                "cpus": os.cpu_count(), "threads": torch.get_num_threads(),
                                "platform": platform.platform(),
                                # glibc's malloc settings (the Makefile's): they change the times, not the numbers
                                "malloc": {k: v for k, v in sorted(os.environ.items()) if k.startswith("MALLOC_")}},
                    "notebooks": {}, "throughput_images_per_s": {}}
    for name, cfg in course_configs().items():
        ips = throughput(cfg)
        result["throughput_images_per_s"][name] = round(ips, 1)
        print(f"[bench] {name}: {ips:,.0f} training images/s", flush=True)
    ips = authors_throughput(args.authors_seconds)
    authors_key = "authors' DCGAN nz=2, 64x64, widths 512-256-128-64 (batch 64, pre-resized)"
    result["throughput_images_per_s"][authors_key] = round(ips, 1)
    print(f"[bench] {authors_key}: {ips:,.1f} training images/s", flush=True)
    result["sector_figure"] = sector_times(result["throughput_images_per_s"]["dcgan nz=2 (notebook 03's 2-dim generator)"], ips)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.skip_notebooks:
        result["notebooks"] = previous_notebooks(out / "bench.json")
        result["notebooks_from_earlier_run"] = bool(result["notebooks"])
    else:
        notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        with tempfile.TemporaryDirectory(prefix="gan-course-bench-") as tmp:
            for profile in args.profiles:
                for nb in notebooks:
                    secs = time_notebook(nb, profile, Path(tmp))
                    result["notebooks"].setdefault(nb.stem, {})[profile] = round(secs, 1)
                    print(f"[bench] {nb.stem} {profile}: {secs:.1f} s", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = markdown(result)
    (out / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    import course_map  # the README's course map shows these times

    course_map.main([])
    return 0


def markdown(result: dict[str, Any]) -> list[str]:
    """bench.md: notebook times, throughput, time to the sector figure, and the machine."""
    profiles = sorted({p for t in result["notebooks"].values() for p in t}, key=["smoke", "teach", "paper"].index)
    lines = ["| notebook | " + " | ".join(f"{p} (s)" for p in profiles) + " |", "|---|" + "---|" * len(profiles)]
    for nb, t in result["notebooks"].items():
        lines.append(f"| {nb} | " + " | ".join(str(t.get(p, "")) for p in profiles) + " |")
    if result["notebooks"]:
        lines.append("| **all** | " + " | ".join(
            str(round(sum(t.get(p, 0) for t in result["notebooks"].values()), 1)) for p in profiles) + " |")
    if result.get("notebooks_from_earlier_run"):
        lines += ["", "Notebook times are from an earlier run (this one ran `--skip-notebooks`: throughput only)."]
    lines += ["", "| model (batch 32 unless said) | training images/s |", "|---|---|"]
    lines += [f"| {k} | {v:,.1f} |" if v < 100 else f"| {k} | {v:,.0f} |"
              for k, v in result["throughput_images_per_s"].items()]
    sector = result["sector_figure"]
    lines += ["", "| training to the sector figure (Fig. 6) | seconds | x ours |", "|---|---|---|"]
    lines += [f"| {r['run']} | {fmt_secs(r['seconds'])} | {r['times_ours']:,} |" for r in sector]
    lines += ["", f"Training time only, from the throughput above (the authors' per-image resize to 64x64 not "
                  f"counted); our 2-dim generator reaches the sector figure {sector[1]['times_ours']:,.0f}x faster "
                  f"than the authors' default run, {sector[2]['times_ours']:,.0f}x faster on the same 5,000 images."]
    m = result["machine"]
    lines += ["", f"Machine: {m['cpus']} CPUs, torch {m['torch']} ({m['threads']} thread{'s' if m['threads'] != 1 else ''} for every throughput run), "
                  f"Python {m['python']}; peak memory of the throughput runs {result['peak_rss_mb']} MB; {result['date']}."]
    if m.get("malloc"):
        lines[-1] += " glibc malloc: " + ", ".join(f"`{k}={v}`" for k, v in m["malloc"].items()) + " (the Makefile's)."
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
