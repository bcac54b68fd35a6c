"""`make reproduce`: every notebook, in order, for several seeds; each seed's metrics kept.

One claim measured on one seed is one draw: the same seed on another torch build has flipped
verdicts. This script executes the course's notebooks with papermill for each seed (``teach``
by default, seeds 0-4), and keeps what the ledger reads:

    reproduce/<profile>/seed-<N>/<notebook>/metrics.json   committed: the ledger reads these
    reproduce/<profile>/summary.json                        committed: what ran, when, how long,
                                                            on which torch, from which notebook code
    runs/reproduce/<profile>/seed-<N>/                      not committed: executed notebooks, figures

A notebook's metrics.json is copied to ``reproduce/`` only after papermill finished it, so a
crash or Ctrl-C leaves no half-written result. It resumes: a (seed, notebook) already done, by
the same notebook code and torch build, is skipped; one done by other code or another build is
stale and run again (the summary says so); ``--redo`` runs everything again. Checkpoints go to
the usual artifacts folder (their names carry profile and seed, so seeds never mix), which also
makes the committed seed-0 run load instead of retrain after ``make run``.

    python scripts/reproduce.py                     seeds 0-4, teach
    python scripts/reproduce.py --seeds 1 2         only these seeds
    python scripts/reproduce.py --notebooks 02_dcgan --redo
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from helpers.atomic import atomic_write_bytes  # noqa: E402
from helpers.params import PROFILES, check_choice, check_int  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
RESULTS = ROOT / "reproduce"
RUNS = ROOT / "runs" / "reproduce"
DEFAULT_SEEDS = (0, 1, 2, 3, 4)

#: papermill runs one notebook: (notebook, executed copy, parameters, environment) -> None; raises on failure
Runner = Callable[[Path, Path, dict[str, Any], dict[str, str]], None]


COURSE = ROOT / "helpers" / "course.py"


def _profile_table(node: ast.expr) -> dict[str, ast.expr] | None:
    """The entries of a dict literal whose keys are exactly the profiles, else None."""
    if not isinstance(node, ast.Dict) or not all(isinstance(k, ast.Constant) for k in node.keys):
        return None
    table = {k.value: v for k, v in zip(node.keys, node.values)}  # type: ignore[union-attr]
    return table if set(table) == set(PROFILES) else None


def _assignments(tree: ast.Module) -> list[tuple[ast.expr, str | None]]:
    """(value, the name assigned, or None for another target) of each top-level assignment."""
    found = []
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            found.append((node.value, target.id if isinstance(target, ast.Name) else None))
    return found


def _one_profile(source: str, profile: str) -> str:
    """``source`` with every ``NAME = {"smoke": ..., "teach": ..., "paper": ...}`` assignment (a notebook's
    SIZES table) cut to ``NAME = {profile: ...}``: the rows of the other profiles do not decide this
    profile's numbers. A cell that is not plain Python (an IPython magic) is left as it is."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(lineno: int, col: int) -> int:  # ast's (line, UTF-8 byte column) -> index into source
        return offsets[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode())

    cuts = []
    for value, _ in _assignments(tree):
        table = _profile_table(value)
        if table is not None:
            entry = ast.get_source_segment(source, table[profile])
            cuts.append((at(value.lineno, value.col_offset), at(value.end_lineno, value.end_col_offset),
                         f"{{{profile!r}: {entry}}}"))
    for start, end, text in reversed(cuts):
        source = source[:start] + text + source[end:]
    return source


def course_budgets(profile: str, path: Path | None = None) -> str:
    """``NAME=value`` lines of ``profile``'s value in every profile table of ``helpers/course.py``
    (``GAN_EPOCHS``, ``CODE_GAN_EMA``, ...): budgets that live outside the notebooks but decide their
    numbers as much as a SIZES row does."""
    rows = []
    for value, name in _assignments(ast.parse((path or COURSE).read_text())):
        table = _profile_table(value)
        if table is not None and name is not None:
            rows.append(f"{name}={ast.unparse(table[profile])}")
    return "\n".join(rows)


def code_hash(nb: Path, profile: str = "teach") -> str:
    """sha256 of what decides a notebook's numbers in ``profile``: its code cells, with each SIZES table
    cut to the profile's row, and the profile's budgets in ``helpers/course.py``
    (:func:`course_budgets`). Outputs, prose and the other profiles' sizes do not count, so a smoke-only
    change leaves the teach runs current; a changed teach budget, in a notebook or in helpers, makes them stale.

    The exercise cells (tagged ``exercise``, at the end of each notebook) are left out: they run after
    every number is recorded and record none (``tests/test_reproduce.py`` checks both), so a solution
    filled in or an exercise added does not make the seeds' runs stale."""
    check_choice("PROFILE", profile, PROFILES)
    cells = json.loads(nb.read_text())["cells"]
    code = "\n\x00\n".join(_one_profile("".join(c["source"]), profile) for c in cells
                             if c["cell_type"] == "code" and "exercise" not in c.get("metadata", {}).get("tags", []))
    code += "\n\x00\n" + course_budgets(profile)
    return hashlib.sha256(code.encode()).hexdigest()[:16]


def papermill_runner(nb: Path, out: Path, params: dict[str, Any], env: dict[str, str]) -> None:
    import papermill as pm

    old = dict(os.environ)
    os.environ.update(env)  # the kernel papermill starts inherits this process's environment
    try:
        pm.execute_notebook(str(nb), str(out), parameters=params, kernel_name="python3",
                            cwd=str(nb.parent), execution_timeout=3600, progress_bar=False)
    finally:
        os.environ.clear()
        os.environ.update(old)


def load_summary(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {"runs": {}}


def write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``<path>.lock`` (POSIX), so concurrent runs update the summary in turn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as fh:
        try:
            import fcntl
        except ImportError:  # Windows: no concurrent runs there
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def status(entry: dict[str, Any] | None, result: Path, code: str, torch_version: str) -> str:
    """'done', 'missing' or 'stale (<why>)' for one (seed, notebook)."""
    if entry is None or not result.is_file():
        return "missing"
    why = [w for w, bad in (("notebook code changed", entry.get("code") != code),
                            (f"torch {entry.get('torch')} -> {torch_version}", entry.get("torch") != torch_version))
           if bad]
    return f"stale ({'; '.join(why)})" if why else "done"


def reproduce(seeds: list[int], notebooks: list[Path], profile: str = "teach", redo: bool = False,
              results: Path = RESULTS, runs: Path = RUNS, runner: Runner = papermill_runner,
              torch_version: str | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run ``notebooks`` for every seed (resuming), keep their metrics; return the summary."""
    if torch_version is None:
        import torch
        torch_version = str(torch.__version__)
    summary_path = results / profile / "summary.json"
    summary = load_summary(summary_path)
    todo = [(s, nb) for s in seeds for nb in notebooks]
    t_start = time.perf_counter()
    for i, (seed, nb) in enumerate(todo, 1):
        key = f"seed-{seed}"
        result = results / profile / key / nb.stem / "metrics.json"
        entry = summary["runs"].get(key, {}).get(nb.stem)
        code = code_hash(nb, profile)
        state = "redo" if redo else status(entry, result, code, torch_version)
        if state == "done":
            log(f"[reproduce {i}/{len(todo)}] seed {seed} {nb.stem}: done before ({entry['seconds']:.0f} s), skipped")
            continue
        work = runs / profile / key
        figures = work / "figures" / ("" if profile == "teach" else profile)  # as helpers.run.NotebookRun does
        # the notebooks of this seed done before (maybe in another clone) leave their metrics where the
        # later ones read them (02 reads 01's, for example)
        for done_nb in notebooks:
            kept = results / profile / key / done_nb.stem / "metrics.json"
            if done_nb != nb and kept.is_file() and not (figures / done_nb.stem / "metrics.json").is_file():
                (figures / done_nb.stem).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(kept, figures / done_nb.stem / "metrics.json")
        produced = figures / nb.stem / "metrics.json"
        produced.unlink(missing_ok=True)  # a crashed earlier attempt must not pass for this one
        work.mkdir(parents=True, exist_ok=True)
        elapsed = time.perf_counter() - t_start
        log(f"[reproduce {i}/{len(todo)}] seed {seed} {nb.stem} ({state}) ... [{elapsed / 60:.0f} min so far]")
        t0 = time.perf_counter()
        env = {"GAN_COURSE_FIGURES": str(work / "figures"), "GAN_COURSE_PROGRESS": "text"}
        runner(nb, work / nb.name, {"PROFILE": profile, "SEED": seed, "SHOW_PROGRESS": False}, env)
        seconds = time.perf_counter() - t0
        if not produced.is_file():
            raise SystemExit(f"[reproduce] {nb.name} (seed {seed}) finished without writing {produced}")
        metrics = json.loads(produced.read_text())
        if metrics.get("seed") != seed or metrics.get("profile") != profile:
            raise SystemExit(f"[reproduce] {produced} records seed {metrics.get('seed')} / profile "
                             f"{metrics.get('profile')}, not {seed} / {profile}")
        atomic_write_bytes(result, produced.read_bytes())
        with _locked(summary_path):  # two seeds may run at once (one process each): merge, never clobber
            summary = load_summary(summary_path)
            summary["runs"].setdefault(key, {})[nb.stem] = {
                "seconds": round(seconds, 1), "torch": torch_version, "code": code,
                "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
            write_json(summary_path, summary)  # after the metrics: a summary entry always has its file
        log(f"[reproduce {i}/{len(todo)}] seed {seed} {nb.stem} done in {seconds / 60:.1f} min")
    return summary


def report(summary: dict[str, Any], seeds: list[int], notebooks: list[Path]) -> str:
    """A table: minutes per notebook and seed, and each seed's total."""
    head = "| notebook | " + " | ".join(f"seed {s}" for s in seeds) + " |"
    lines = [head, "|---|" + "---|" * len(seeds)]
    for nb in notebooks:
        cells = [summary["runs"].get(f"seed-{s}", {}).get(nb.stem) for s in seeds]
        lines.append(f"| {nb.stem} | " + " | ".join("—" if c is None else f"{c['seconds'] / 60:.1f} min"
                                                    for c in cells) + " |")
    totals = [sum(c["seconds"] for c in summary["runs"].get(f"seed-{s}", {}).values()) / 60 for s in seeds]
    lines.append("| total | " + " | ".join(f"{t:.0f} min" for t in totals) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS))
    ap.add_argument("--profile", default="teach")
    ap.add_argument("--notebooks", nargs="+", default=None, help="notebook names (default: all, in order)")
    ap.add_argument("--redo", action="store_true", help="run again what is done")
    args = ap.parse_args(argv)
    check_choice("PROFILE", args.profile, PROFILES)
    seeds = [check_int("SEED", s, minimum=0) for s in args.seeds]
    every = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.notebooks is None:
        chosen = every
    else:
        by_name = {nb.stem: nb for nb in every}
        unknown = [n for n in args.notebooks if Path(n).stem not in by_name]
        if unknown:
            raise SystemExit(f"--notebooks: unknown {', '.join(unknown)}; allowed: {', '.join(by_name)}")
        chosen = [by_name[Path(n).stem] for n in args.notebooks]
    summary = reproduce(seeds, chosen, args.profile, args.redo)
    print(report(summary, seeds, chosen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
