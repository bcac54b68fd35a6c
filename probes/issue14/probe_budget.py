"""Issue 14's budget probes: what the cuts that would bring the teach course under 20 minutes cost in
quality, measured on the tuning seeds (10-14) before any of them is made.

Not part of the course. One run trains one of the course's DCGANs through ``helpers.train.train_gan``
(the course's own loop and configs, one thread) and prints one JSON line with the evaluator's
numbers for its last G on 5,000 samples against the 10,000 test digits (appended to
probes/issue14/budget_results.jsonl unless --no-save):

    .venv/bin/python probes/issue14/probe_budget.py --model healthy08 --seed 10
    .venv/bin/python probes/issue14/probe_budget.py --model healthy08 --seed 10 --n-train 25000
    .venv/bin/python probes/issue14/probe_budget.py --model dcgan02 --seed 10 --channels-last

Models: ``dcgan02`` (course.dcgan_config: notebook 02's conv-head DCGAN), ``healthy08`` (notebook 08's
healthy GAN: the same DCGAN, both learning rates 1e-3, one epoch), ``nz16`` (notebook 03's 16-dim DCGAN).
Levers: --n-train (a class-balanced subset of the course's 50,000 images, by seed), --epochs,
--channels-last (both networks in torch.channels_last memory format: the same arithmetic in another
order, so other numbers in the last digits and a faster step; does it change the quality?).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from helpers import course  # noqa: E402
import helpers.train as train  # noqa: E402
from helpers.data import load_dataset, to_classifier, to_gan  # noqa: E402
from helpers.metrics import sample_report  # noqa: E402

KEYS = ("fd", "sure_share", "classes_covered", "kl_uniform", "precision", "recall", "coverage")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--model", choices=("dcgan02", "healthy08", "nz16"), required=True)
    ap.add_argument("--n-train", type=int, help="training images (default: all 50,000)")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = load_dataset("mnist", n_train=args.n_train, seed=args.seed, verbose=False)
    full = load_dataset("mnist", verbose=False)   # the judge's test images: always all 10,000
    cfg = course.dcgan_config("teach", args.seed, data, nz=16 if args.model == "nz16" else 100)
    if args.model == "healthy08":   # notebook 08: replace(dcgan_config, epochs=1, lr_g=FAST, lr_d=FAST)
        cfg = replace(cfg, epochs=1, lr_g=1e-3, lr_d=1e-3)
    cfg = replace(cfg, samples_per_epoch=1, epochs=args.epochs or cfg.epochs)
    if args.channels_last:
        build = train.build_models

        def build_cl(c: train.GANConfig):
            return tuple(m.to(memory_format=torch.channels_last) for m in build(c))

        train.build_models = build_cl
    t0 = time.time()
    res = train.train_gan(cfg, to_gan(data.train.x), progress=False)
    out = {"model": args.model, "seed": args.seed, "n_train": len(data.train), "epochs": cfg.epochs,
           "channels_last": args.channels_last, "threads": args.threads, "train_s": round(time.time() - t0, 1),
           "steps": cfg.epochs * (len(data.train) // cfg.batch_size), "torch": torch.__version__}
    z = train.sample_noise(5000, cfg.nz, generator=torch.Generator().manual_seed(args.seed + 123))
    r = sample_report(course.evaluator("mnist"), to_classifier(train.generate(res.G, z)),
                      to_classifier(full.test.x), n_max=5000, seed=args.seed)
    out["last"] = {k: r[k] for k in KEYS}
    line = json.dumps(out)
    print(line)
    if not args.no_save:
        with open(Path(__file__).with_name("budget_results.jsonl"), "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
