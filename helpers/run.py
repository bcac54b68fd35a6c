"""One object per notebook run: validated parameters, seeding, where figures, metrics and
artifacts go.

Settings (environment variables; all optional):

``GAN_COURSE_FIGURES``
    root folder for figures and ``metrics.json`` (default: ``figures/`` in the repository).
``GAN_COURSE_ARTIFACTS``
    folder for checkpoints and other artifacts that chain the notebooks
    (default: ``data/artifacts/`` in the repository).
"""
from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .atomic import atomic_write_bytes
from .params import DATASETS, PROFILES, check_choice, check_int

REPO_ROOT = Path(__file__).resolve().parent.parent


def figures_root() -> Path:
    """Root folder of all figures (``GAN_COURSE_FIGURES`` or ``<repo>/figures``)."""
    return Path(os.environ.get("GAN_COURSE_FIGURES", REPO_ROOT / "figures"))


def artifacts_root() -> Path:
    """Folder of checkpoints and other artifacts (``GAN_COURSE_ARTIFACTS`` or ``<repo>/data/artifacts``)."""
    return Path(os.environ.get("GAN_COURSE_ARTIFACTS", REPO_ROOT / "data" / "artifacts"))


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices) so the same seed gives the same numbers."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def pick_device() -> torch.device:
    """The fastest device present: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _jsonable(value: Any) -> Any:
    """Turn tensors, numpy scalars and arrays into plain JSON values (NaN/inf become strings)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())  # 0-d arrays give a scalar, others nested lists
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class SavedFile(type(Path())):  # type: ignore[misc]  # PosixPath or WindowsPath, as Path() is here
    """The path of a saved figure: a normal :class:`~pathlib.Path` that a notebook cell shows as one
    short line relative to the figures folder, not as ``PosixPath('/home/.../x.png')``."""

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython's display of a cell's last value
        try:
            shown = self.relative_to(figures_root()).as_posix()
        except ValueError:
            shown = self.name
        p.text(f"saved {shown} (in the figures folder)")


def save_figure(fig: Any, path: Path, *, dpi: int = 110) -> Path:
    """Write a matplotlib figure to ``path`` as PNG, atomically (every figure of the course goes through here)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    path = SavedFile(path)
    atomic_write_bytes(path, buf.getvalue())
    return path


@dataclass
class NotebookRun:
    """The validated parameters of one notebook execution and where its outputs go.

    ``figures_dir`` is ``figures/<notebook>/`` for the default (``teach`` on MNIST) and
    ``figures/<profile>/<notebook>/`` (``figures/<profile>-<dataset>/<notebook>/`` for another
    dataset) otherwise, so a smoke, paper or Fashion-MNIST run never overwrites the committed
    teach figures.
    """

    notebook: str
    profile: str
    seed: int
    dataset: str
    metrics: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_choice("PROFILE", self.profile, PROFILES)
        check_choice("DATASET", self.dataset, DATASETS)
        self.seed = check_int("SEED", self.seed, minimum=0)
        seed_everything(self.seed)
        self.device = pick_device()
        self.metrics = {"notebook": self.notebook, "profile": self.profile,
                        "seed": self.seed, "dataset": self.dataset, "torch": str(torch.__version__)}

    @property
    def variant(self) -> str:
        """"" for the default (teach, mnist); else "<profile>" or "<profile>-<dataset>"."""
        if self.profile == "teach" and self.dataset == "mnist":
            return ""
        return self.profile if self.dataset == "mnist" else f"{self.profile}-{self.dataset}"

    @property
    def figures_dir(self) -> Path:
        root = figures_root()
        return root / self.variant / self.notebook if self.variant else root / self.notebook

    @property
    def metrics_path(self) -> Path:
        return self.figures_dir / "metrics.json"

    def artifact_path(self, name: str, suffix: str = ".pt") -> Path:
        """Path of an artifact named by its content, dataset, profile and seed."""
        return artifacts_root() / f"{name}-{self.dataset}-{self.profile}-seed{self.seed}{suffix}"

    def save_fig(self, fig: Any, name: str, *, dpi: int = 110) -> Path:
        """Save a matplotlib figure as ``<figures_dir>/<name>.png`` (atomically) and return the path."""
        if not name or "/" in name or name.endswith(".png"):
            raise ValueError(f"figure name={name!r} must be a plain name without '/' or '.png'")
        return save_figure(fig, self.figures_dir / f"{name}.png", dpi=dpi)

    def save_gif(self, frames: list[bytes], name: str, *, ms_per_frame: int = 400) -> Path:
        """Save PNG ``frames`` (see :func:`helpers.plots.animation_frames`) as ``<figures_dir>/<name>.gif``."""
        import io

        from PIL import Image

        if not frames:
            raise ValueError("save_gif needs at least one frame")
        images = [Image.open(io.BytesIO(f)).convert("RGB") for f in frames]
        size = images[0].size
        images = [im.resize(size) for im in images]
        buf = io.BytesIO()
        images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                       duration=ms_per_frame, loop=0)
        path = SavedFile(self.figures_dir / f"{name}.gif")
        atomic_write_bytes(path, buf.getvalue())
        return path

    def record(self, **values: Any) -> None:
        """Add numbers to this run's ``metrics.json`` (rewritten atomically each call).

        Tests read this file, so record every number a claim or a "what we measured"
        line rests on. Timings belong under the key ``timing`` (they vary between runs).
        """
        metrics = json.loads(json.dumps(self.metrics))  # stage on a copy: a bad value changes nothing
        for key, value in values.items():
            if key == "timing" and isinstance(value, dict):
                metrics.setdefault("timing", {}).update(_jsonable(value))
            else:
                metrics[key] = _jsonable(value)
        text = json.dumps(metrics, indent=2, sort_keys=True) + "\n"  # raises on what JSON can't hold
        self.metrics = metrics
        atomic_write_bytes(self.metrics_path, text.encode())


def start_run(notebook: str, *, profile: str, seed: int, dataset: str) -> NotebookRun:
    """Validate the notebook's parameters, seed everything and return its :class:`NotebookRun`."""
    return NotebookRun(notebook=notebook, profile=profile, seed=seed, dataset=dataset)
