"""The semantic search box of notebook 01: a query in, the closest sentences out, ranked.

`search_text` is the pure compute (the hits of a `helpers.embeddings.SemanticSearch`, one per
line with its score); `search_tool` wires a query box and a top-k slider to it. An empty query
shows its message, never a traceback.
"""

import ipywidgets as widgets

from helpers.embeddings import SemanticSearch
from helpers.widgets.base import live_view

__all__ = ["search_text", "search_tool"]


def search_text(search: SemanticSearch, query: str, top_k: int = 5) -> str:
    """The `top_k` sentences of `search` closest in meaning to `query`, one per line, ranked."""
    hits = search.search(query, top_k)
    lines = [f"query: {query!r}"]
    lines += [f"{rank}. {hit.score:.3f}  {hit.sentence}" for rank, hit in enumerate(hits, 1)]
    return "\n".join(lines)


def search_tool(search: SemanticSearch, query: str = "", top_k: int = 5) -> widgets.VBox:
    """A query box and a top-k slider over `search`; shows the ranked hits with their scores.

    The search runs when the query is submitted (Enter) or the box loses focus, and whenever
    the slider moves. An empty query shows a ⚠ message.
    """
    box = widgets.Text(
        value=query,
        description="query",
        placeholder="Ask about the sentences above",
        continuous_update=False,  # one MiniLM pass per query, not per keystroke
        layout=widgets.Layout(width="95%"),
    )
    slider = widgets.IntSlider(
        value=top_k, min=1, max=min(10, len(search.sentences)), description="top k"
    )

    def render(query, top_k):
        return search_text(search, query, top_k), None

    return live_view({"query": box, "top_k": slider}, render)
