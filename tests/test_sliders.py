"""A slider cell, executed headless as papermill does, saves a picture and a readable line
instead of ``interactive(children=...`` (helpers/sliders.py)."""
from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

SETUP = """%matplotlib inline
import ipywidgets as widgets
import matplotlib.pyplot as plt
import helpers.plots
"""


def run_cells(*sources: str) -> list:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (SETUP, *sources)])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb.cells[1:]


def data_of(cell) -> dict:
    (out,) = [o for o in cell.outputs if o.output_type == "display_data"]
    return out.data


@pytest.fixture(scope="module")
def cells():
    return run_cells(
        """def show(t=0.0, flip=False):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [t, -t if flip else t])
widgets.interact_manual(show, t=widgets.FloatSlider(min=0, max=1, value=0.25), flip=widgets.Checkbox(value=True));""",
        """def broken(t=0.0):
    raise NotImplementedError
widgets.interact_manual(broken, t=widgets.FloatSlider(min=0, max=1, value=0.5));""",
        """w = widgets.IntSlider(value=3)
w""")


def test_slider_saves_a_picture_and_a_readable_line(cells):
    data = data_of(cells[0])
    assert "application/vnd.jupyter.widget-view+json" in data       # Jupyter still gets the live widget
    assert data["image/png"].startswith("iVBOR")                     # a PNG (base64), drawn at the start values
    text = data["text/plain"]
    assert not text.startswith("interactive(children=")
    assert "show(t=0.25, flip=True)" in text


def test_a_failing_function_leaves_the_cell_working(cells):
    cell = cells[1]
    assert not [o for o in cell.outputs if o.output_type == "error"]
    data = data_of(cell)
    assert "image/png" not in data and "broken(t=0.5)" in data["text/plain"]


def test_other_widgets_are_untouched(cells):
    outs = [o for o in cells[2].outputs if o.output_type == "execute_result"]
    assert outs and outs[0].data["text/plain"].startswith("IntSlider(")
