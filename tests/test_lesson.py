"""The lesson code (``#@save`` cells of the notebooks) and its extracted copy, helpers/lesson.py.

The check that they agree must pass on the repository and fail when a notebook's lesson cell
changes; a student's changed step must be used by the loop and must not reuse the course's
checkpoint, while the notebook's unchanged copy must."""
from __future__ import annotations

import ast
import importlib.util
import json
import shutil
import sys
import warnings
from pathlib import Path

import pytest
import torch

from helpers import lesson
from helpers.checkpoints import CheckpointWarning
from helpers.train import GANConfig, build_models, lesson_identity, load_or_train_gan, train_gan

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import lesson as extract  # noqa: E402  (scripts/lesson.py)


def test_helper_matches_the_notebooks():
    assert extract.main(["--check"]) == 0


def copy_tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    (root / "helpers").mkdir()
    shutil.copy(ROOT / "helpers" / "lesson.py", root / "helpers" / "lesson.py")
    return root


def edit_saved_cell(root: Path, notebook: str, old: str, new: str) -> None:
    path = root / "notebooks" / notebook
    nb = json.loads(path.read_text(encoding="utf-8"))
    hits = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).startswith("#@save")
            and old in "".join(c["source"])]
    assert len(hits) == 1, f"expected one #@save cell containing {old!r}"
    hits[0]["source"] = "".join(hits[0]["source"]).replace(old, new)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def test_check_fails_when_a_lesson_cell_changes(tmp_path, capsys):
    root = copy_tree(tmp_path)
    assert extract.main(["--check", "--root", str(root)]) == 0
    edit_saved_cell(root, "01_vanilla_gan_and_pca.ipynb", "nn.LeakyReLU(0.2), nn.Linear(hidden, 1)",
                    "nn.LeakyReLU(0.1), nn.Linear(hidden, 1)")
    assert extract.main(["--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "make lesson" in err and "LeakyReLU(0.1)" in err
    assert extract.main(["--root", str(root)]) == 0            # make lesson brings them together again
    assert "LeakyReLU(0.1)" in (root / "helpers" / "lesson.py").read_text()
    assert extract.main(["--check", "--root", str(root)]) == 0


def test_an_unmarked_cell_is_not_lesson_code(tmp_path):
    root = copy_tree(tmp_path)
    path = root / "notebooks" / "01_vanilla_gan_and_pca.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": "def not_saved():\n    return 1\n"})
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert extract.main(["--check", "--root", str(root)]) == 0


def test_lesson_cells_only_define_and_each_name_once():
    """Extracted cells must be definitions (nothing runs at import) and no name twice."""
    names: list[str] = []
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for src in extract.saved_cells(nb):
            for node in ast.parse(src).body:
                assert isinstance(node, (ast.FunctionDef, ast.ClassDef)), f"{nb.name}: {ast.dump(node)[:80]}"
                names.append(node.name)
    assert len(names) == len(set(names)), names
    assert {"MLPGenerator", "MLPDiscriminator", "gan_step", "DCGANGenerator", "DCGANDiscriminator",
            "init_weights", "gan_epoch", "info_loss", "acgan_loss",
            "layer_activations_and_grads", "gradcampp_map"} <= set(names)
    assert all(hasattr(lesson, n) for n in names)


def load_as_module(tmp_path: Path, source: str, name: str):
    """Source written to a file and imported, so ``inspect.getsource`` can read it (as in Jupyter)."""
    path = tmp_path / f"{name}.py"
    path.write_text("from helpers.lesson import *\nfrom helpers.lesson import F, Callable, nn, torch\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def notebook_copy_of(function: str) -> str:
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for src in extract.saved_cells(nb):
            if src.startswith(f"def {function}("):
                return src
    raise AssertionError(function)


def test_identity_of_the_notebooks_copy_and_of_a_changed_step(tmp_path):
    src = notebook_copy_of("gan_step")
    same = load_as_module(tmp_path, src, "same_step")
    changed = load_as_module(tmp_path, src.replace("loss_g = F.binary_cross_entropy_with_logits(D(fake), ones)",
                                                   "loss_g = -F.binary_cross_entropy_with_logits(D(fake), zeros)"),
                             "changed_step")
    assert same.gan_step is not lesson.gan_step
    assert lesson_identity(None, lesson.gan_step) is None
    assert lesson_identity(same.gan_step, lesson.gan_step) is None
    ident = lesson_identity(changed.gan_step, lesson.gan_step)
    assert ident is not None and ident.startswith("custom ")
    assert lesson_identity(load_as_module(tmp_path, notebook_copy_of("gan_epoch"), "same_epoch").gan_epoch,
                           lesson.gan_epoch) is None


def tiny() -> tuple[GANConfig, torch.Tensor]:
    cfg = GANConfig(arch="mlp", nz=4, width=8, epochs=1, batch_size=16, seed=3, n_train=64, data_source="rand")
    return cfg, torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1


def test_a_changed_step_is_used_and_gets_its_own_checkpoint(tmp_path):
    cfg, x = tiny()
    calls = []

    def d_only_step(G, D, opt_g, opt_d, real, z):
        """Trains D only: G must come out as it started."""
        calls.append(len(real))
        out_real, out_fake = D(real), D(G(z).detach())
        loss = out_real.mean() - out_fake.mean()
        opt_d.zero_grad(); loss.backward(); opt_d.step()
        return loss.detach(), loss.detach() * 0, out_real.detach(), out_fake.detach()

    path = tmp_path / "gan.pt"
    standard = load_or_train_gan(cfg, x, path, progress=False)
    assert standard.loaded_from is None
    custom = load_or_train_gan(cfg, x, path, progress=False, step=d_only_step)   # stale for this step: retrained
    assert custom.loaded_from is None and calls == [16] * 4
    G0 = build_models(cfg)[0]
    assert all(torch.equal(a, b) for a, b in zip(G0.state_dict().values(), custom.G.state_dict().values()))
    assert not all(torch.equal(a, b) for a, b in zip(G0.state_dict().values(), standard.G.state_dict().values()))
    assert torch.load(path, weights_only=True)["config"]["step"].startswith("custom ")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CheckpointWarning)
        again = load_or_train_gan(cfg, x, path, progress=False, step=d_only_step)
    assert again.loaded_from == str(path)
    with pytest.warns(CheckpointWarning, match="step"):
        back = load_or_train_gan(cfg, x, path, progress=False)                   # the course's step again
    assert all(torch.equal(a, b) for a, b in zip(back.G.state_dict().values(), standard.G.state_dict().values()))


def test_the_lesson_epoch_reports_d_verdicts_as_probabilities():
    cfg, x = tiny()
    records = []
    G, D = build_models(cfg)
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    lesson.gan_epoch(G, D, opt_g, opt_d, x, 16, torch.arange(64), lambda n: torch.randn(n, 4),
                     lambda i, rec: records.append((i, rec)))
    assert [i for i, _ in records] == [0, 1, 2, 3]
    for _, rec in records:
        assert set(rec) == {"loss_d", "loss_g", "d_real", "d_fake"}
        assert 0 < rec["d_real"] < 1 and 0 < rec["d_fake"] < 1
    hist = train_gan(cfg, x, progress=False).history            # the loop records what the epoch reports
    assert hist["d_real"].shape == (4,) and bool(((hist["d_real"] > 0) & (hist["d_real"] < 1)).all())
