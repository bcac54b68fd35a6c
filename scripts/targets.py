"""`make ledger` (after the ledger): how good the course's generators are, seed by seed, against issue 14's targets.

A reproduction is only as convincing as the models it measures. Each :class:`Target` below reads the
committed runs of ``make reproduce`` (``reproduce/teach/seed-<N>/<notebook>/metrics.json``), all
numbers by the independent evaluator, and says whether the seed's model meets it. A target is met
when it is met in at least ``need`` of the five seeds 0-4 (the ledger's rule: 4 of 5), "missed" when
it can no longer be, "pending" while missing seeds could still decide it. A seed whose run used older
notebook code than the committed one is not counted (as in the ledger). Report-only rows have no
threshold: they say what a model reaches.

    python scripts/targets.py            rewrite the README section between the targets markers
    python scripts/targets.py --check    exit 1 if that section differs from what the metrics give
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from itertools import permutations
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ledger  # noqa: E402  (scripts/ledger.py: seed folders, code hashes, the README section helper)

START, END = "<!-- targets:start -->", "<!-- targets:end -->"
MET, MISSED, PENDING, REPORTED = "met", "missed", "pending", "reported"
NB01, NB02, NB03, NB06, NB08 = ledger.NB01, ledger.NB02, ledger.NB03, ledger.NB06, "08_failure_modes"

Get = Callable[[str, str], Any]   # get(notebook, key): a value of that notebook's metrics.json in this seed


@dataclass(frozen=True)
class Target:
    """One row: a model's measured number in each seed and, unless report-only, the threshold it must meet."""

    notebook: str
    model: str
    text: str
    value: Callable[[Get], float]
    fmt: str
    met: Callable[[float, Get], bool] | None = None   # None: report only
    reads: tuple[str, ...] = ()                       # other notebooks the value reads
    need: int = ledger.PASS_K


def ev(notebook: str, model: str, key: str) -> Callable[[Get], float]:
    return lambda get: float(get(notebook, f"evaluator.{model}.{key}"))


def at_least(x: float) -> Callable[[float, Get], bool]:
    return lambda v, get: v >= x


def at_most(x: float) -> Callable[[float, Get], bool]:
    return lambda v, get: v <= x


def slant_and_width(get: Get) -> float:
    """The best assignment of InfoGAN's continuous codes to (slant, width), one code each: the smaller of
    the two |Spearman rho| (image moments, notebook 06)."""
    rho = {(c, m): abs(float(get(NB06, f"continuous_effects.infogan_{c}_{m}"))) for c in ("c2", "c3")
           for m in ("slant", "width")}
    return max(min(rho[a, "slant"], rho[b, "width"]) for a, b in permutations(("c2", "c3")))


#: the margin by which InfoGAN's codes must beat the plain GAN's best |rho| ("clearly above")
RHO_MARGIN = 0.3
#: a failure of notebook 08 "still fails" when the evaluator's FD is at least this many times the healthy GAN's
FAIL_FD_RATIO = 2.0


def dcgan_rows(notebook: str, model: str, label: str) -> tuple[Target, ...]:
    return (Target(notebook, label, "samples the evaluator is >= 90% sure of: >= 0.90", ev(notebook, model, "sure_share"),
                   ".3f", at_least(0.90)),
            Target(notebook, label, "digits with >= 2% of the samples: all 10", ev(notebook, model, "classes_covered"),
                   ".0f", at_least(10)),
            Target(notebook, label, "KL of the digit histogram from uniform: <= 0.02", ev(notebook, model, "kl_uniform"),
                   ".3f", at_most(0.02)))


TARGETS: tuple[Target, ...] = (
    *dcgan_rows(NB02, "conv", "DCGAN (conv head)"),
    *dcgan_rows(NB02, "fc", "DCGAN (fc head)"),
    Target(NB02, "DCGAN (conv head)", "Fréchet distance below the MLP GAN's (01), in every seed",
           ev(NB02, "conv", "fd"), ".0f", lambda v, get: v < float(get(NB01, "evaluator.mlp_gan.fd")),
           reads=(NB01,), need=ledger.PLANNED_SEEDS),
    Target(NB01, "MLP GAN (one hidden layer of 128)", "Fréchet distance (report only)", ev(NB01, "mlp_gan", "fd"), ".0f"),
    Target(NB01, "MLP GAN (one hidden layer of 128)", "samples the evaluator is sure of (report only)",
           ev(NB01, "mlp_gan", "sure_share"), ".3f"),
    Target(NB03, "2-dim generator (the maps' generator)", "digits with >= 2% of the samples: all 10",
           ev(NB03, "nz2", "classes_covered"), ".0f", at_least(10)),
    Target(NB03, "2-dim generator (the maps' generator)", "samples the evaluator is sure of: >= 0.75",
           ev(NB03, "nz2", "sure_share"), ".3f", at_least(0.75)),
    Target(NB06, "InfoGAN", "categorical code as a clusterer (Hungarian): >= 0.90",
           lambda get: float(get(NB06, "infogan_hungarian")), ".3f", at_least(0.90)),
    Target(NB06, "InfoGAN", f"one code tracks slant and the other width, each |rho| >= 0.6 and >= {RHO_MARGIN} "
           "above the plain GAN's largest (the smaller of the two)", slant_and_width, ".2f",
           lambda v, get: v >= 0.6 and v >= float(get(NB06, "plain_max_abs_rho")) + RHO_MARGIN),
    Target(NB06, "ACGAN", "requested digit drawn: >= 0.97", lambda get: float(get(NB06, "acgan_identity")), ".3f",
           at_least(0.97)),
    *dcgan_rows(NB08, "healthy", "the healthy GAN"),
    *(Target(NB08, f"failure: {name}", f"still fails: FD >= {FAIL_FD_RATIO:g}x the healthy GAN's (ratio shown)",
             (lambda m: lambda get: float(get(NB08, f"evaluator.{m}.fd")) / float(get(NB08, "evaluator.healthy.fd")))(model),
             ".1f", at_least(FAIL_FD_RATIO))
      for model, name in (("collapse", "mode collapse"), ("dwins", "D wins"), ("range", "data in [0, 255]"))),
)


def seed_values(target: Target, folders: dict[int, Path]) -> dict[int, dict[str, Any]]:
    """``{seed: {"value", "met"}}`` for every seed whose runs of the target's notebooks exist; a seed run by
    older notebook code gets ``{"stale": True}``."""
    out: dict[int, dict[str, Any]] = {}
    notebooks = (target.notebook, *target.reads)
    for seed, folder in folders.items():
        if not all((folder / nb / "metrics.json").is_file() for nb in notebooks):
            continue
        if ledger.stale_in(folder, notebooks):
            out[seed] = {"stale": True}
            continue
        loader = ledger._cached_loader(folder)

        def get(nb: str, key: str) -> Any:
            return ledger.lookup(loader(nb, "teach"), key, f"{folder.name}/{nb}/metrics.json")

        value = target.value(get)
        out[seed] = {"value": value, "met": None if target.met is None else bool(target.met(value, get))}
    return out


def counted_seeds(per_seed: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The seeds' values that count: those run with the committed notebook code."""
    return [v for v in per_seed.values() if not v.get("stale")]


def verdict(target: Target, per_seed: dict[int, dict[str, Any]], planned: int = ledger.PLANNED_SEEDS) -> str:
    """MET when met in >= ``need`` seeds, MISSED when the missing seeds can no longer make it, else PENDING."""
    if target.met is None:
        return REPORTED
    counted = counted_seeds(per_seed)
    met = sum(v["met"] for v in counted)
    if met >= target.need:
        return MET
    return MISSED if met + (planned - len(counted)) < target.need else PENDING


def render(folders: dict[int, Path], targets: tuple[Target, ...] = TARGETS) -> str:
    seeds = list(range(ledger.PLANNED_SEEDS))
    lines = ["| notebook · model | target | " + " | ".join(f"seed {s}" for s in seeds) + " | met in | verdict |",
             "|---|---|" + "---|" * len(seeds) + "---|---|"]
    tally: dict[str, int] = {MET: 0, MISSED: 0, PENDING: 0}
    for t in targets:
        per_seed = seed_values(t, folders)
        cells = []
        for s in seeds:
            v = per_seed.get(s)
            if v is None:
                cells.append("—")
            elif v.get("stale"):
                cells.append("not counted (older code)")
            else:
                mark = "" if v["met"] is None else (" ✓" if v["met"] else " ✗")
                cells.append(f"{v['value']:{t.fmt}}{mark}")
        counted = counted_seeds(per_seed)
        met_in = "—" if t.met is None else f"{sum(v['met'] for v in counted)} of {len(counted)} (need {t.need})"
        result = verdict(t, per_seed)
        if result in tally:
            tally[result] += 1
        lines.append(f"| {t.notebook[:2]} · {t.model} | {ledger._cell(t.text)} | " + " | ".join(cells)
                     + f" | {met_in} | **{result}** |")
    lines += ["", "Targets: " + ", ".join(f"{n} {k}" for k, n in tally.items()) + f" (of {sum(tally.values())}; "
              "judged by the evaluator, profile teach, full MNIST; ✓/✗: met in that seed)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if the README section is stale")
    args = ap.parse_args(argv)
    readme = ledger.README.read_text()
    section = render(ledger.seed_folders())
    new = ledger.replace_section(readme, section, START, END)
    if args.check:
        if new != readme:
            print("stale: README.md's targets section; run `python scripts/targets.py` (make ledger)", file=sys.stderr)
            return 1
        print("targets up to date")
        return 0
    ledger.README.write_text(new)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
