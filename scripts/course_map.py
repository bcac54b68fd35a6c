"""`make course-map`: the README's course map, generated from the notebooks and the bench.

One row per notebook in ``notebooks/``: what it teaches and what it needs (typed below, next to
each other so they are kept together), its exercises (read from ``helpers/exercises/nbNN.py``), and
its run times in ``smoke`` and ``teach`` as ``make bench`` measured them (``figures/bench/bench.json``).
A notebook without a measured time says "not measured"; nothing is typed by hand. The same script
writes each notebook's header line (its first cell, between ``<!-- header:start -->`` and
``<!-- header:end -->``): what it needs and its measured run times.

    python scripts/course_map.py            rewrite the README section
    python scripts/course_map.py --check    exit 1 if the README or a header differs from what the files give
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
import ledger  # noqa: E402  (the README-section writer both scripts share)
README = ROOT / "README.md"
BENCH_JSON = ROOT / "figures" / "bench" / "bench.json"
START, END = "<!-- coursemap:start -->", "<!-- coursemap:end -->"
HEAD_START, HEAD_END = "<!-- header:start -->", "<!-- header:end -->"

#: notebook stem -> (what it teaches, what it needs)
NOTEBOOKS: dict[str, tuple[str, str]] = {
    "01_vanilla_gan_and_pca": (
        "PCA as a generator (100 components, uniform latent) vs a vanilla MLP GAN (one hidden layer of 128, "
        "100-dim noise); loss curves; three classifier-free quality numbers and why one of them is gamed", "—"),
    "02_dcgan": (
        "DCGAN for 28×28; loss and D(x)/D(G(z)) curves; samples across epochs (and a GIF); the discriminator "
        "with a fully connected head; lerp vs slerp latent interpolation; a latent-walk slider", "01 (ideas only)"),
    "03_noise_to_label": (
        "the paper's CNN classifier (Fig. 5) and its accuracy on the real MNIST test set; what the authors' "
        "input-range bug does to the labels; a classifier-based quality score; the noise → generator → "
        "classifier → label pipeline (Fig. 3) for 2-, 16- and 100-dim noise, saved as (noise, label) pairs; "
        "one noise element changed at a time (Figs. 1-2) with Pearson scores, then over 50 base vectors beside a "
        "random change of the same length; the range bug on the 2-dim map against the authors' missing digits",
        "02's DCGAN checkpoint (trained here if missing)"),
    "04_sectors_and_tsne": (
        "the map of 2-dim noise: sectors by construction with per-sample BatchNorm, then what the direction "
        "and the length carry of the label in both modes against an untrained and a shuffled generator; "
        "sectors forming over training (Fig. 6, animation), angular purity and coverage per snapshot; "
        "G(a·p) = G(p), exact with per-sample BatchNorm and approximate in eval mode (Fig. 7); the circle of "
        "40 points (Fig. 8); t-SNE of 16- and 100-dim noise with k-NN numbers and a linear probe; an "
        "angle/radius explorer", "03's artifacts (built here if missing)"),
    "05_guided_generation": (
        "sectors per class (wrap-around, several or no sectors); MSN (Fig. 9) and labeled noise with per-class "
        "Pearson thresholds (Figs. 10-11); precision and diversity per digit for both; the generator criterion "
        "over training as stated and as the authors' code computed it (Fig. 12); a differentiable criterion "
        "trained as a loss against a plain generator; a digit/method picker", "03's artifacts (built here if missing)"),
    "06_infogan_acgan": (
        "InfoGAN (mutual-information term, objective beside its code lines) and ACGAN against a plain GAN with "
        "the same generator and budget; the InfoGAN paper's code grids; the categorical code as a clusterer "
        "(Hungarian matching, judged by the independent evaluator) vs the requested-digit accuracy; sample quality "
        "by the evaluator (FD, precision/recall beside the floor and an untrained generator); what the continuous "
        "codes control, from image moments (slant, width, stroke thickness); Q reading the code back; a code panel",
        "— (judged by the evaluator)"),
    "07_gradcam_discriminator": (
        "Grad-CAM and Grad-CAM++ written out (equations in the code), checked against captum and grad-cam, on "
        "the discriminator with the conv and the fc head; the attention for \"fake\" and for \"real\" on real "
        "and generated digits; share of the heat on the strokes vs the background; sanity check against a "
        "re-initialised D (rank correlation); logit vs −logit vs 1 − D(x); why D needs its batch statistics",
        "02's DCGAN checkpoints (trained here if missing)"),
    "08_failure_modes": (
        "three failures caused on purpose, each with its diagnostic and its fix: mode collapse (D 100× slower: "
        "class coverage, KL from uniform, diversity), the discriminator wins (G 100× slower: D(x)/D(G(z)) "
        "curves), data in [0, 255] vs Tanh (out-of-range share, pixel histograms); one `diagnose` with stated "
        "thresholds; a symptom → diagnostic → fix table", "03's classifier (trained here if missing)"),
}


def notebook_stems(root: Path = ROOT) -> list[str]:
    return [p.stem for p in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


def exercises(stem: str) -> list[str]:
    """"1.1 `pca_generate`", ...: the notebook's exercises and the function each asks for, then its
    predict-then-check exercises ("4.4 predict: ...")."""
    try:
        module = importlib.import_module(f"helpers.exercises.nb{stem[:2]}")
    except ModuleNotFoundError as e:
        if e.name != f"helpers.exercises.nb{stem[:2]}":
            raise
        return []
    return ([f"{number} `{ex.function}`" for number, ex in module.EXERCISES.items()]
            + [f"{number} predict: {title}" for number, title in getattr(module, "PREDICTIONS", {}).items()])


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "not measured"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def render(bench: dict[str, Any], stems: list[str]) -> str:
    missing = [s for s in stems if s not in NOTEBOOKS]
    if missing:
        raise KeyError(f"scripts/course_map.py has no description of {', '.join(missing)}: add it to NOTEBOOKS")
    times = bench.get("notebooks", {})
    lines = ["| notebook | what it teaches | needs | exercises | smoke | teach |", "|---|---|---|---|---|---|"]
    for stem in stems:
        teaches, needs = NOTEBOOKS[stem]
        t = times.get(stem, {})
        lines.append(f"| [{stem}](notebooks/{stem}.ipynb) | {teaches} | {needs} | "
                     f"{', '.join(exercises(stem)) or '—'} | {fmt(t.get('smoke'))} | {fmt(t.get('teach'))} |")
    total = {p: sum(times.get(s, {}).get(p, 0.0) for s in stems) for p in ("smoke", "teach")}
    lines.append(f"| **all** | | | | {fmt(total['smoke'])} | {fmt(total['teach'])} |")
    m = bench.get("machine", {})
    if times:
        lines += ["", f"Run times as `make bench` measured them on {bench.get('date', '?')} ({m.get('cpus', '?')} CPUs, "
                      f"torch {m.get('torch', '?')}): every notebook executed by papermill in order, from an empty "
                      "artifacts folder per profile, so a notebook that needs an earlier one finds its checkpoints "
                      "as in `make run`; run alone on a fresh clone it first builds them (see *needs*)."]
    return "\n".join(lines)


def header_line(bench: dict[str, Any], stem: str) -> str:
    """The generated line of a notebook's header: what it needs, and its smoke and teach times."""
    t = bench.get("notebooks", {}).get(stem, {})
    m = bench.get("machine", {})
    measured = (f"as `make bench` measured them on {bench.get('date', '?')}, {m.get('cpus', '?')} CPUs, "
                f"torch {m.get('torch', '?')}") if t else "`make bench` has not measured this notebook yet"
    return (f"**Needs:** {NOTEBOOKS[stem][1]} · **Run time:** `smoke` {fmt(t.get('smoke'))}, "
            f"`teach` {fmt(t.get('teach'))} ({measured}; the README's course map has them all).")


def with_header(nb: dict[str, Any], line: str) -> dict[str, Any]:
    """The notebook (nbformat JSON) with its first cell's generated header line set to ``line``."""
    first = nb["cells"][0]
    if first["cell_type"] != "markdown":
        raise ValueError("a notebook's first cell must be its markdown header")
    text = "".join(first["source"])
    block = f"{HEAD_START}\n{line}\n{HEAD_END}"
    if HEAD_START in text:
        text = ledger.replace_section(text, line, HEAD_START, HEAD_END)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    lines = text.split("\n")
    first["source"] = [x + "\n" for x in lines[:-1]] + [lines[-1]]
    return nb


def stale_headers(bench: dict[str, Any], stems: list[str], *, write: bool) -> list[str]:
    """The notebooks whose header line differs from the bench's; with ``write``, rewrite them."""
    stale = []
    for stem in stems:
        path = ROOT / "notebooks" / f"{stem}.ipynb"
        raw = path.read_text()
        nb = json.loads(raw)
        new = json.dumps(with_header(nb, header_line(bench, stem)), indent=1, ensure_ascii=False)
        if new != raw:
            stale.append(stem)
            if write:
                path.write_text(new)
    return stale


def replace_section(readme: str, section: str) -> str:
    """``readme`` with the course map between its markers replaced by ``section``."""
    return ledger.replace_section(readme, section, START, END)


def load_bench(path: Path = BENCH_JSON) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if the README's course map is stale")
    args = ap.parse_args(argv)
    readme = README.read_text()
    bench, stems = load_bench(), notebook_stems()
    new = replace_section(readme, render(bench, stems))
    if args.check:
        stale = (["README.md course map"] if new != readme else []) + stale_headers(bench, stems, write=False)
        if stale:
            print(f"stale: {', '.join(stale)}; run `python scripts/course_map.py` (make course-map)", file=sys.stderr)
            return 1
        print("course map and notebook headers up to date")
        return 0
    README.write_text(new)
    stale_headers(bench, stems, write=True)
    print(new.split(START)[1].split(END)[0].strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
