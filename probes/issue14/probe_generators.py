"""Issue 14's generator probes: the course DCGAN (notebook 02, profile teach, full MNIST) or the
2-dim generator (notebooks 03-05) with one lever changed, judged by the independent evaluator.

Not part of the course: a record of what was tried, so that anyone can re-run a row of
RESULTS.md. One run trains one GAN (one thread: about 2-3 minutes on a 2-core machine) and prints a
JSON line with the evaluator's numbers for the last G and for exponential moving averages (EMA) of
G's weights.

    .venv/bin/python probes/issue14/probe_generators.py --seed 10 --fc-g --fc-d
    .venv/bin/python probes/issue14/probe_generators.py --seed 10 --nz2 --fc-d

Levers: --fc-g / --fc-d put a fully connected hidden layer (BatchNorm1d) before G's transposed
convolutions / after D's convolutions (the shape of notebook 06's networks; not allowed for the
2-dim generator, whose first layer must stay a transposed convolution from z); --hidden its size;
--width, --batch, --epochs, --lr-decay (linear to 0 over training), --sn-d (spectral norm in D);
--fc-d-no-bn drops the BatchNorm1d of D's hidden layer, --d-conv3 adds a third convolution (3x3, 4w
channels at 7x7) to DCGAN's D instead (its head stays linear in the last convolution's features);
--profile smoke trains on smoke's 2,000 images for its 8 epochs (judged on 500 samples);
--loss hinge (D: relu(1 - D(x)) + relu(1 + D(G(z))), G: -D(G(z))), --r1 GAMMA (R1 penalty
GAMMA/2 |grad_x D(x)|^2 on the real batch, every step), --lr-g / --lr-d (the learning rates).
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from helpers import course, lesson  # noqa: E402
import helpers.train as train  # noqa: E402
from helpers.codes import CodeDiscriminator, CodeGenerator, init_code_weights  # noqa: E402
from helpers.data import load_dataset, to_classifier, to_gan  # noqa: E402
from helpers.metrics import sample_report  # noqa: E402

EMA_DECAYS = (0.995, 0.998, 0.999)
KEYS = ("fd", "sure_share", "classes_covered", "kl_uniform", "precision", "recall", "coverage")


class AdversarialHead(nn.Module):
    """Notebook 06's discriminator trunk (convolutions, then a hidden layer) with its real/fake logit only."""

    def __init__(self, width: int, hidden: int) -> None:
        super().__init__()
        self.d = CodeDiscriminator(10, 2, width, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.d(x).logit


class ThreeConvDiscriminator(nn.Module):
    """DCGAN's D (notebook 02) with a third convolution (3x3, stride 1, 4w channels at 7x7, BatchNorm,
    LeakyReLU) before its head, which stays linear in those features (``head`` "conv" or "fc")."""

    def __init__(self, width: int, head: str) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2, True),
            nn.Conv2d(2 * w, 4 * w, 3, 1, 1, bias=False), nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.2, True))
        self.head = (nn.Sequential(nn.Conv2d(4 * w, 1, 7, 1, 0, bias=False), nn.Flatten()) if head == "conv"
                     else nn.Sequential(nn.Flatten(), nn.Linear(4 * w * 49, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--nz2", action="store_true", help="the 2-dim generator of 03-05 (judged per sample, as mapped)")
    ap.add_argument("--fc-g", action="store_true")
    ap.add_argument("--fc-d", action="store_true")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--width", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--epochs", type=int, help="training epochs (teach: 2)")
    ap.add_argument("--lr-decay", action="store_true")
    ap.add_argument("--sn-d", action="store_true", help="spectral norm on every convolution and linear layer of D")
    ap.add_argument("--fc-d-no-bn", action="store_true", help="with --fc-d: no BatchNorm1d in D's hidden layer")
    ap.add_argument("--d-conv3", action="store_true", help="a third convolution in DCGAN's D, its head still linear")
    ap.add_argument("--profile", choices=("teach", "smoke"), default="teach")
    ap.add_argument("--loss", choices=("bce", "hinge"), default="bce")
    ap.add_argument("--r1", type=float, default=0.0, help="R1 penalty weight gamma (0: none)")
    ap.add_argument("--lr-g", type=float)
    ap.add_argument("--lr-d", type=float)
    ap.add_argument("--n-judge", type=int, help="samples judged (teach: 5000, smoke: 500)")
    args = ap.parse_args()
    args.n_judge = args.n_judge or (5000 if args.profile == "teach" else 500)
    if args.fc_d_no_bn and not args.fc_d:
        ap.error("--fc-d-no-bn needs --fc-d")
    if args.d_conv3 and args.fc_d:
        ap.error("--d-conv3 and --fc-d are two different discriminators: pick one")
    if args.nz2 and args.fc_g:
        ap.error("--fc-g is not allowed with --nz2: the 2-dim generator keeps its transposed convolution from z")
    torch.set_num_threads(1)
    data = load_dataset("mnist", **({} if args.profile == "teach" else dict(n_train=2000, n_test=1000, seed=args.seed)))
    cfg = (course.noise2_config if args.nz2 else course.dcgan_config)(args.profile, args.seed, data)
    cfg.snapshots_per_epoch = 0
    cfg.width = args.width or cfg.width
    cfg.batch_size = args.batch or cfg.batch_size
    cfg.epochs = args.epochs or cfg.epochs
    cfg.lr_g = args.lr_g or cfg.lr_g
    cfg.lr_d = args.lr_d or cfg.lr_d

    def build(c: train.GANConfig) -> tuple[nn.Module, nn.Module]:
        torch.manual_seed(c.seed)
        G = CodeGenerator(c.nz, c.width, args.hidden) if args.fc_g else lesson.DCGANGenerator(c.nz, c.width)
        D = (AdversarialHead(c.width, args.hidden) if args.fc_d else ThreeConvDiscriminator(c.width, c.d_head)
             if args.d_conv3 else lesson.DCGANDiscriminator(c.width, c.d_head))
        if args.fc_d_no_bn:
            D.d.trunk[-2] = nn.Identity()   # the hidden layer's BatchNorm1d (Linear, BatchNorm1d, LeakyReLU)
        init_code_weights(G)   # G's weights, then D's (the order these probes drew them in)
        init_code_weights(D)
        if args.sn_d:
            for name, m in list(D.named_modules()):
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.utils.parametrizations.spectral_norm(m)
        return G, D

    train.build_models = build
    total = cfg.epochs * (len(data.train) // cfg.batch_size)
    ema: dict[float, nn.Module] = {}
    done = [0]

    def step(G, D, opt_g, opt_d, real, z, **kw):
        if args.lr_decay:
            for opt, lr in ((opt_g, cfg.lr_g), (opt_d, cfg.lr_d)):
                for group in opt.param_groups:
                    group["lr"] = lr * (1 - done[0] / total)
        out = (lesson.gan_step if args.loss == "bce" and not args.r1 else probe_step)(G, D, opt_g, opt_d, real, z, **kw)
        with torch.no_grad():
            for d in EMA_DECAYS:
                E = ema.setdefault(d, copy.deepcopy(G))
                for pe, p in zip(E.parameters(), G.parameters()):
                    pe.lerp_(p, 1 - d)
                for be, b in zip(E.buffers(), G.buffers()):
                    be.copy_(b)
        done[0] += 1
        return out

    def probe_step(G, D, opt_g, opt_d, real, z, **kw):
        # lesson.gan_step with the hinge loss and / or an R1 penalty on the real images
        fake = G(z)
        real = real.requires_grad_(args.r1 > 0)
        out_real, out_fake = D(real), D(fake.detach())
        if args.loss == "hinge":
            loss_d = F.relu(1 - out_real).mean() + F.relu(1 + out_fake).mean()
        else:
            loss_d = (F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
                      + F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake)))
        if args.r1:
            grad, = torch.autograd.grad(out_real.sum(), real, create_graph=True)
            loss_d = loss_d + args.r1 / 2 * grad.pow(2).flatten(1).sum(1).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        out_g = D(fake)
        loss_g = -out_g.mean() if args.loss == "hinge" else F.binary_cross_entropy_with_logits(out_g, torch.ones_like(out_g))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return loss_d.detach(), loss_g.detach(), out_real.detach(), out_fake.detach()

    t0 = time.time()
    res = train.train_gan(cfg, to_gan(data.train.x), progress=False, step=step)
    out = {"seed": args.seed, "args": {k: v for k, v in vars(args).items() if k != "seed"},
           "train_s": round(time.time() - t0, 1), "steps": total, "torch": torch.__version__}
    evaluator, real = course.evaluator("mnist"), to_classifier(data.test.x)
    z = train.sample_noise(args.n_judge, cfg.nz, "normal", generator=torch.Generator().manual_seed(args.seed + 123))
    for name, G in {"last": res.G, **{f"ema{d}": ema[d] for d in EMA_DECAYS}}.items():
        G = course.generator_in_mode(G, "per-sample") if args.nz2 else G
        r = sample_report(evaluator, to_classifier(train.generate(G, z)), real, n_max=args.n_judge, seed=args.seed)
        out[name] = {k: r[k] for k in KEYS}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
