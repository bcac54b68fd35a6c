"""Execute course notebooks with papermill.

The default ``teach`` profile executes each notebook in place (the committed notebooks
carry these outputs); any other profile writes executed copies to ``runs/<profile>/``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import papermill as pm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from helpers.params import PROFILES, check_choice  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profile", default="teach")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    ap.add_argument("notebooks", nargs="+", type=Path)
    args = ap.parse_args(argv)
    check_choice("PROFILE", args.profile, PROFILES)
    # no frontend draws tqdm's widget in a headless run: bars print their final line instead
    # (helpers.progress), so a committed notebook shows finished bars, not a frozen "0%"
    os.environ.setdefault("GAN_COURSE_PROGRESS", "text")
    for nb in args.notebooks:
        if args.profile == "teach":
            out, params = nb, {}
        else:
            out = ROOT / "runs" / args.profile / nb.name
            out.parent.mkdir(parents=True, exist_ok=True)
            params = {"PROFILE": args.profile}
        t0 = time.perf_counter()
        print(f"[run] {nb.name} ({args.profile}) ...", flush=True)
        pm.execute_notebook(str(nb), str(out), parameters=params, kernel_name="python3",
                            cwd=str(nb.parent), execution_timeout=args.timeout, progress_bar=False)
        print(f"[run] {nb.name} done in {time.perf_counter() - t0:.0f} s -> {out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
