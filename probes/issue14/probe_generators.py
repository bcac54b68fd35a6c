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
from helpers.metrics import label_scores, sample_report  # noqa: E402

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

    def __init__(self, width: int, head: str, channels: int = 0, kernel: int = 3) -> None:
        super().__init__()
        w = width
        c = channels or 4 * w
        self.features = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2, True),
            nn.Conv2d(2 * w, c, kernel, 1, kernel // 2, bias=False), nn.BatchNorm2d(c), nn.LeakyReLU(0.2, True))
        self.head = (nn.Sequential(nn.Conv2d(c, 1, 7, 1, 0, bias=False), nn.Flatten()) if head == "conv"
                     else nn.Sequential(nn.Flatten(), nn.Linear(c * 49, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)


class PerSampleTrainBN(nn.BatchNorm2d):
    """BatchNorm2d (same parameters and buffers) that in training normalises every sample by its own
    spatial statistics, as the 2-dim map reads G; eval mode uses the running statistics as usual."""

    def __init__(self, bn: nn.BatchNorm2d) -> None:
        super().__init__(bn.num_features, bn.eps, bn.momentum)
        self.load_state_dict(bn.state_dict())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        return F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                               use_input_stats=True, momentum=self.momentum, eps=self.eps)


class PackedDiscriminator(nn.Module):
    """PacGAN (Lin et al. 2018): D judges packs of ``pack`` images of one kind, stacked as channels, so
    it sees how varied they are; one logit per pack. The batch size must be a multiple of ``pack``."""

    def __init__(self, D: nn.Module, pack: int) -> None:
        super().__init__()
        first = D.features[0]
        D.features[0] = nn.Conv2d(pack, first.out_channels, first.kernel_size, first.stride, first.padding,
                                  bias=first.bias is not None)
        self.d, self.pack = D, pack

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.d(x.reshape(len(x) // self.pack, self.pack, *x.shape[2:]))


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
    ap.add_argument("--d-conv3-channels", type=int, default=0, help="with --d-conv3: its channels (default 4w)")
    ap.add_argument("--d-conv3-kernel", type=int, default=3, choices=(1, 3), help="with --d-conv3: its kernel size")
    ap.add_argument("--profile", choices=("teach", "smoke"), default="teach")
    ap.add_argument("--loss", choices=("bce", "hinge"), default="bce")
    ap.add_argument("--r1", type=float, default=0.0, help="R1 penalty weight gamma (0: none)")
    ap.add_argument("--lr-g", type=float)
    ap.add_argument("--lr-d", type=float)
    ap.add_argument("--n-judge", type=int, help="samples judged (teach: 5000, smoke: 500)")
    ap.add_argument("--half-snapshots", type=int, default=0,
                    help="also judge this many snapshots of G, evenly over the second half of training, by the "
                         "evaluator's labels only (classes, sure share, KL; per sample for --nz2): a variant's "
                         "number over snapshots, not one step's")
    ap.add_argument("--save", help="torch.save the last G's state and the second half's snapshots to this file")
    ap.add_argument("--pack", type=int, default=1, help="PacGAN: D judges packs of this many images (1: off)")
    ap.add_argument("--mbstd", action="store_true",
                    help="minibatch standard deviation in DCGAN's D (notebook 08's remedy for collapse)")
    ap.add_argument("--train-per-sample", action="store_true",
                    help="with --nz2: G's BatchNorm normalises each sample by its own statistics in training too "
                         "(the mode its map is read in), running statistics averaged over the samples")
    args = ap.parse_args()
    args.n_judge = args.n_judge or (5000 if args.profile == "teach" else 500)
    if args.fc_d_no_bn and not args.fc_d:
        ap.error("--fc-d-no-bn needs --fc-d")
    if args.d_conv3 and args.fc_d:
        ap.error("--d-conv3 and --fc-d are two different discriminators: pick one")
    if args.mbstd and (args.fc_d or args.d_conv3):
        ap.error("--mbstd is a lever of DCGAN's D (not with --fc-d or --d-conv3)")
    if args.train_per_sample and not args.nz2:
        ap.error("--train-per-sample is a lever of the 2-dim generator (--nz2)")
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
        D = (AdversarialHead(c.width, args.hidden) if args.fc_d else ThreeConvDiscriminator(c.width, c.d_head, args.d_conv3_channels, args.d_conv3_kernel)
             if args.d_conv3 else lesson.DCGANDiscriminator(c.width, c.d_head, minibatch_std=args.mbstd))
        if args.fc_d_no_bn:
            D.d.trunk[-2] = nn.Identity()   # the hidden layer's BatchNorm1d (Linear, BatchNorm1d, LeakyReLU)
        if args.pack > 1:
            D = PackedDiscriminator(D, args.pack)
        init_code_weights(G)   # G's weights, then D's (the order these probes drew them in)
        init_code_weights(D)
        if args.train_per_sample:
            for module in list(G.modules()):
                for child_name, child in list(module.named_children()):
                    if isinstance(child, nn.BatchNorm2d):
                        setattr(module, child_name, PerSampleTrainBN(child))
        if args.sn_d:
            for name, m in list(D.named_modules()):
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.utils.parametrizations.spectral_norm(m)
        return G, D

    train.build_models = build
    total = cfg.epochs * (len(data.train) // cfg.batch_size)
    ema: dict[float, nn.Module] = {}
    k = args.half_snapshots
    snap_steps = {total // 2 + round((total - total // 2) * (i + 1) / k) for i in range(k)} if k else set()
    snaps: list[dict[str, torch.Tensor]] = []
    done = [0]

    def step(G, D, opt_g, opt_d, real, z, **kw):
        if args.lr_decay:
            for opt, lr in ((opt_g, cfg.lr_g), (opt_d, cfg.lr_d)):
                for group in opt.param_groups:
                    group["lr"] = lr * (1 - done[0] / total)
        out = (lesson.gan_step if args.loss == "bce" and not args.r1 and args.pack == 1 else probe_step)(G, D, opt_g, opt_d, real, z, **kw)
        for d in EMA_DECAYS:
            train.ema_update(ema.setdefault(d, copy.deepcopy(G)), G, d)
        done[0] += 1
        if done[0] in snap_steps:
            snaps.append({k: v.detach().clone() for k, v in G.state_dict().items()})
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
    if snaps:  # the second half's snapshots, by the evaluator's labels
        rows = []
        for state in snaps:
            G = copy.deepcopy(res.G)
            G.load_state_dict(state)
            G = course.generator_in_mode(G, "per-sample") if args.nz2 else G.eval()
            r = label_scores(evaluator, to_classifier(train.generate(G, z[:2000])))
            rows.append([r["classes_covered"], r["sure_share"], r["kl_uniform"]])
        t = torch.tensor(rows, dtype=torch.float64)
        out["half_snapshots"] = {"n": len(rows), "share_all_10": float((t[:, 0] >= 10).double().mean()),
                                 "classes_median": float(t[:, 0].median()), "sure_mean": float(t[:, 1].mean()),
                                 "kl_median": float(t[:, 2].median()), "rows": rows}
    if args.save:
        torch.save({"G": res.G.state_dict(), "snapshots": snaps, "args": vars(args)}, args.save)
    if args.nz2:  # the last G in eval mode too (running statistics), beside the per-sample map
        r = sample_report(evaluator, to_classifier(train.generate(res.G.eval(), z)), real, n_max=args.n_judge,
                          seed=args.seed)
        out["last_eval_mode"] = {k: r[k] for k in KEYS}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
