"""Issue 14's code-GAN probes: notebook 06's InfoGAN, ACGAN or plain GAN (profile teach: all 50,000
course images, batch 64, 2 epochs) with training levers changed, judged as notebook 06 judges them.

Not part of the course: a record of what was tried, so that anyone can re-run a row of
CODEGAN_RESULTS.md. One run trains one code GAN for one seed (one thread) and prints one JSON line
(and appends it to probes/issue14/codegan_results.jsonl unless --no-save):

    .venv/bin/python probes/issue14/probe_codegans.py --kind infogan --seed 10
    .venv/bin/python probes/issue14/probe_codegans.py --kind infogan --seed 10 --lambda-cont 1 --info-step gd
    .venv/bin/python probes/issue14/probe_codegans.py --kind acgan --seed 10 --class-weight-g 2

The training loop is helpers.codes.train_code_gan's, step for step (--selftest checks that with no
lever it gives bit-identical weights), with these levers:

* CodeGANConfig fields: --lambda-cat, --lambda-cont, --cont-loss, --lr-g, --lr-d, --batch, --epochs;
* --lr-q: Q's head (D.q) gets its own learning rate in D's optimiser (default: lr_d);
* --info-step gq|gd: InfoGAN's information term leaves the D and G steps and gets a step of its own
  after them (fresh codes, G(z, c) -> D -> Q), updating G and Q's head (gq) or G and all of D (gd, as
  common reference implementations do, e.g. eriklindernoren/PyTorch-GAN), with G's parameters at
  lr_g and D's at lr_d (Q's at --lr-q), in an Adam of its own;
* --class-weight-d / --class-weight-g: ACGAN's class term times this in D's / G's loss;
* --ema-decays: more exponential moving averages of G's weights, judged beside the one always kept;
* an exponential moving average (EMA) of G's weights (decay 0.995, BatchNorm buffers
  copied) is always kept and judged beside the last G.

Judged as notebook 06 does (labels by the independent evaluator): the categorical code as a
clusterer (codes_per_category, 200 per code, seed SEED + 11; Hungarian and identity accuracy),
the continuous codes (continuous_sweep over -2..2 in 9 steps, 200 each, seed SEED + 21; Spearman rho
of each code with slant, width, thickness), and the evaluator's sample report of 5,000 images from
the prior (seed SEED + 17) against 5,000 test images. ``slant_width`` is the smaller |rho| of the
better assignment of {c2, c3} to {slant, width} (issue 14's target: >= 0.6); ``max_abs_rho`` the
largest |rho| over codes and measures (for the plain GAN: what InfoGAN must beat by 0.3).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from helpers import course  # noqa: E402
from helpers.codes import (Codes, DOutput, acgan_loss, build_code_models, cluster_accuracy, code_readout,  # noqa: E402
                           codes_per_category, continuous_sweep, generate_codes, generator_input, info_loss,
                           sample_codes, stroke_measures, train_code_gan)
from helpers.data import load_dataset, to_classifier, to_gan  # noqa: E402
from helpers.metrics import probabilities, sample_report  # noqa: E402
from helpers.run import seed_everything  # noqa: E402
from helpers.train import ema_update  # noqa: E402

EMA_DECAYS = (0.995,)
MEASURES = ("slant", "width", "thickness")
REPORT_KEYS = ("fd", "sure_share", "classes_covered", "kl_uniform", "precision", "recall", "coverage")
RESULTS = ROOT / "probes" / "issue14" / "codegan_results.jsonl"


def train(cfg, images, labels, args):
    """helpers.codes.train_code_gan's loop (same order of random draws) with the probe's levers.
    Returns (G, D, {decay: EMA of G})."""
    device = torch.device("cpu")
    seed_everything(cfg.seed)
    G, D = build_code_models(cfg)
    q_params = list(D.q.parameters())
    q_ids = {id(p) for p in q_params}
    d_rest = [p for p in D.parameters() if id(p) not in q_ids]
    lr_q = args.lr_q or cfg.lr_d
    betas = (cfg.beta1, 0.999)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=betas)
    if args.lr_q:
        opt_d = torch.optim.Adam([{"params": d_rest}, {"params": q_params, "lr": lr_q}], lr=cfg.lr_d, betas=betas)
    else:
        opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=betas)
    opt_info = None
    if args.info_step:
        groups = [{"params": list(G.parameters()), "lr": cfg.lr_g}, {"params": q_params, "lr": lr_q}]
        if args.info_step == "gd":
            groups.append({"params": d_rest, "lr": cfg.lr_d})
        opt_info = torch.optim.Adam(groups, betas=betas)
    x_all, y_all = images, labels.long()
    shuffle = torch.Generator().manual_seed(cfg.seed)
    code_gen = torch.Generator().manual_seed(cfg.seed + 1)
    ones = torch.ones(cfg.batch_size)
    zeros = torch.zeros(cfg.batch_size)
    info = dict(lambda_cat=cfg.lambda_cat, lambda_cont=cfg.lambda_cont, cont_loss=cfg.cont_loss)
    in_steps = not (cfg.kind == "infogan" and args.info_step)

    def code_term(out: DOutput, codes: Codes, real: DOutput | None = None, y: torch.Tensor | None = None):
        if cfg.kind == "infogan":
            return info_loss(out, codes, **info) if in_steps else torch.zeros(())
        if cfg.kind == "acgan":
            w = args.class_weight_d if real is not None else args.class_weight_g
            term = acgan_loss(out, codes.cat, real, y)
            return term if w == 1.0 else w * term
        return torch.zeros(())

    ema = {d: copy.deepcopy(G) for d in sorted({*EMA_DECAYS, *(getattr(args, "ema_decays", None) or ())}, reverse=True)}
    iters = len(images) // cfg.batch_size
    for epoch in range(cfg.epochs):
        perm = torch.randperm(len(images), generator=shuffle)
        for i in range(iters):
            idx = perm[i * cfg.batch_size:(i + 1) * cfg.batch_size]
            real, y = x_all[idx], y_all[idx]
            codes = sample_codes(cfg.batch_size, cfg, generator=code_gen)
            fake = G(generator_input(codes, cfg.n_cat))
            out_real, out_fake = D(real), D(fake.detach())
            loss_d = F.binary_cross_entropy_with_logits(out_real.logit, ones) + \
                F.binary_cross_entropy_with_logits(out_fake.logit, zeros)
            loss_d = loss_d + code_term(out_fake, codes, out_real, y)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            out = D(fake)
            loss_g = F.binary_cross_entropy_with_logits(out.logit, ones) + code_term(out, codes)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            if opt_info is not None:   # InfoGAN's information term in a step of its own
                codes = sample_codes(cfg.batch_size, cfg, generator=code_gen)
                loss_i = info_loss(D(G(generator_input(codes, cfg.n_cat))), codes, **info)
                opt_info.zero_grad(set_to_none=True)
                opt_d.zero_grad(set_to_none=True)
                loss_i.backward()
                opt_info.step()
            for d, E in ema.items():
                ema_update(E, G, d)
    return G.eval(), D.eval(), {d: E.eval() for d, E in ema.items()}


def judge(G, cfg, seed, evaluator, test01, D=None) -> dict:
    """Notebook 06's numbers for one generator (labels and features by the evaluator); with D, also
    how well Q reads the codes back (notebook 06's code_readout)."""
    out = {}
    if D is not None:
        fresh = sample_codes(1000, cfg, generator=torch.Generator().manual_seed(seed + 13))
        out.update({f"q_{k}": v for k, v in code_readout(G, D, fresh, cfg.n_cat).items()})
    asked = codes_per_category(cfg, 200, seed=seed + 11)
    probs = probabilities(evaluator, to_classifier(generate_codes(G, asked, cfg.n_cat)))
    acc, mapping, table = cluster_accuracy(asked.cat, probs.argmax(1))
    out.update(hungarian=acc, identity=float(np.trace(table) / table.sum()), mapping=mapping.tolist(),
               confidence=float(probs.max(1).values.mean()), table=table.tolist())
    rho = {}
    for j in range(cfg.n_cont):
        sweep = continuous_sweep(cfg, j, torch.linspace(-2, 2, 9), 200, seed=seed + 21)
        m = stroke_measures(to_classifier(generate_codes(G, sweep, cfg.n_cat)))
        for name in MEASURES:
            rho[f"c{j + 2}_{name}"] = float(spearmanr(sweep.cont[:, j], m[name]).statistic)
    out["rho"] = rho
    if cfg.n_cont >= 2:
        a = lambda k: abs(rho[k])  # noqa: E731
        out["slant_width"] = max(min(a("c2_slant"), a("c3_width")), min(a("c2_width"), a("c3_slant")))
    out["max_abs_rho"] = max(abs(v) for v in rho.values())
    prior = sample_codes(5000, cfg, generator=torch.Generator().manual_seed(seed + 17))
    r = sample_report(evaluator, to_classifier(generate_codes(G, prior, cfg.n_cat)), test01, n_max=5000, seed=seed)
    out.update({k: r[k] for k in REPORT_KEYS})
    return out


def selftest() -> None:
    """With no lever the probe's loop gives train_code_gan's weights, bit for bit (640 images, 1 epoch):
    its last G and D as train_code_gan's without an average, its EMA G as train_code_gan's at the course's
    teach decay."""
    data = load_dataset("mnist", n_train=640, n_test=100, seed=10, verbose=False)
    x, y = to_gan(data.train.x), data.train.y
    ns = argparse.Namespace(lr_q=None, info_step=None, class_weight_d=1.0, class_weight_g=1.0)

    def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
        return all(torch.equal(u, v) for u, v in zip(a.state_dict().values(), b.state_dict().values()))

    for kind in ("infogan", "acgan"):
        cfg = replace(course.code_gan_config(kind, "teach", 10, data), epochs=1)
        assert cfg.ema_decay in EMA_DECAYS, (cfg.ema_decay, EMA_DECAYS)
        cpu = torch.device("cpu")
        ref = train_code_gan(replace(cfg, ema_decay=0.0), x, y, progress=False, device=cpu)
        ref_ema = train_code_gan(cfg, x, y, progress=False, device=cpu)
        G, D, ema = train(cfg, x, y, ns)
        ok = same(ref.G, G) and same(ref.D, D) and same(ref_ema.G, ema[cfg.ema_decay])
        print(kind, "identical to train_code_gan" if ok else "DIFFERENT from train_code_gan")
        assert ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--kind", choices=("infogan", "acgan", "plain"), default="infogan")
    ap.add_argument("--lambda-cat", type=float)
    ap.add_argument("--lambda-cont", type=float)
    ap.add_argument("--cont-loss", choices=("fixed", "gaussian"))
    ap.add_argument("--lr-g", type=float)
    ap.add_argument("--lr-d", type=float)
    ap.add_argument("--lr-q", type=float, help="learning rate of Q's head (default: lr_d)")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--epochs", type=int, help="teach: 2")
    ap.add_argument("--info-step", choices=("gq", "gd"), help="InfoGAN: the information term in a step of its own")
    ap.add_argument("--class-weight-d", type=float, default=1.0, help="ACGAN: weight of the class term in D's loss")
    ap.add_argument("--class-weight-g", type=float, default=1.0, help="ACGAN: weight of the class term in G's loss")
    ap.add_argument("--ema-decays", type=float, nargs="+",
                    help="more EMA decays of G's weights, judged beside the course's 0.995")
    ap.add_argument("--note", default="")
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--selftest", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.selftest:
        selftest()
        return
    if args.seed is None:
        ap.error("--seed is required")
    if args.seed in range(5):
        ap.error("seeds 0-4 are the course's reported seeds: tune on 10-14")
    data = load_dataset("mnist", seed=args.seed, verbose=False)
    cfg = course.code_gan_config(args.kind, "teach", args.seed, data)
    for field, value in (("lambda_cat", args.lambda_cat), ("lambda_cont", args.lambda_cont),
                         ("cont_loss", args.cont_loss), ("lr_g", args.lr_g), ("lr_d", args.lr_d),
                         ("batch_size", args.batch), ("epochs", args.epochs)):
        if value is not None:
            setattr(cfg, field, value)
    cfg.__post_init__()
    load0 = os.getloadavg()[0]
    t0 = time.time()
    G, D, ema = train(cfg, to_gan(data.train.x), data.train.y, args)
    train_s = time.time() - t0
    out = {"kind": args.kind, "seed": args.seed,
           "args": {k: v for k, v in vars(args).items() if k not in ("seed", "kind", "no_save", "selftest")},
           "train_s": round(train_s, 1), "steps": cfg.epochs * (len(data.train) // cfg.batch_size),
           "load": [round(load0, 2), round(os.getloadavg()[0], 2)], "torch": torch.__version__}
    evaluator, test01 = course.evaluator("mnist"), to_classifier(data.test.x)
    t1 = time.time()
    out["last"] = judge(G, cfg, args.seed, evaluator, test01, D)
    for d, E in ema.items():
        out[f"ema{d}"] = judge(E, cfg, args.seed, evaluator, test01)
    out["judge_s"] = round(time.time() - t1, 1)
    line = json.dumps(out)
    print(line)
    if not args.no_save:
        with open(RESULTS, "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
