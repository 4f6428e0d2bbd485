"""The course's widgets: sliders and boxes wired to a pure function that draws the answer.

Only core ipywidgets that versions 7.7 (Colab) and 8 share, no JavaScript of our own. Each
builder returns a container; the compute lives in pure functions, so tests can set a control's
`.value` and read the Output widget's `.outputs` without a browser. One module per family:

- base: `live_view`, what every widget is built from;
- temperature: the temperature explorer (notebook 00);
- tokenizer: the tokenizer tool and token chips (notebook 01);
- search: the semantic search box (notebook 01);
- attention: the query-token explorer of MiniLM's attention (notebook 04);
- sampling: the next-token explorer and the generation playground (notebook 09).
"""

from helpers.widgets.base import live_view
from helpers.widgets.temperature import temperature_explorer, temperature_text

__all__ = ["live_view", "temperature_explorer", "temperature_text"]
