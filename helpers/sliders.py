"""A picture for every slider when a notebook is read without a running kernel.

The notebooks' sliders are ``ipywidgets.interact_manual`` widgets. A saved notebook keeps only
their ``text/plain`` form, ``interactive(children=(FloatSlider(...`` -- which is what GitHub,
nbviewer and the course's website show. :func:`register` teaches IPython two more forms for an
``interactive`` widget: ``image/png``, the picture its function draws at the controls' start
values, and a short ``text/plain`` line naming the controls. Jupyter still shows the live
widget (its widget view outranks both); a static reader sees the picture.
"""
from __future__ import annotations

import base64
from typing import Any


def start_values(widget: Any) -> dict[str, Any]:
    """The keyword arguments an ``interactive`` widget passes its function, from its controls."""
    return {c._kwarg: c.get_interact_value() for c in widget.kwargs_widgets}


def slider_text(widget: Any) -> str:
    values = ", ".join(f"{k}={v!r}" for k, v in start_values(widget).items())
    return (f"[interactive: {getattr(widget.f, '__name__', 'a function')}({values}); the picture shows "
            f"these start values. Run the notebook in Jupyter to move the controls.]")


def slider_png(widget: Any) -> bytes | None:
    """The first PNG the widget's function displays at the start values (``None`` if none, or
    if the function fails: a static picture must never break the cell)."""
    import matplotlib.pyplot as plt
    from IPython.utils.capture import capture_output

    try:
        with capture_output(stdout=True, stderr=True, display=True) as captured:
            widget.f(**start_values(widget))
            plt.show()
    except Exception:  # noqa: BLE001 - e.g. an exercise not solved yet
        return None
    for out in captured.outputs:
        png = out.data.get("image/png")
        if png:
            return png if isinstance(png, bytes) else base64.b64decode(png)
    return None


def register() -> bool:
    """Add the two forms to the running IPython's formatters; False outside IPython."""
    try:
        from IPython import get_ipython
        import ipywidgets
    except ImportError:
        return False
    ip = get_ipython()
    if ip is None:
        return False
    formatters = ip.display_formatter.formatters
    formatters["image/png"].for_type(ipywidgets.interactive, slider_png)
    formatters["text/plain"].for_type(ipywidgets.interactive, lambda w, p, cycle: p.text(slider_text(w)))
    return True
