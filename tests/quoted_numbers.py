"""Numbers quoted in a notebook's prose, and whether the notebook shows them.

A learner must be able to trust every sentence, so a measured number in the text (a decimal,
a percentage, an `x` ratio, a timing in ms or µs, scientific notation) has to be printed by a
cell of the same notebook or appear in its code. Plain integers (counts, years, sizes) are not
checked. Where the text says "about" (or "~", "≈", "around", "roughly"), a printed number that
rounds to the quoted one counts; elsewhere the printed number must be the quoted one.

Numbers that are facts rather than measurements (maths, definitions, published sizes) are
listed in CONSTANTS with the reason, per notebook.
"""

import json
import math
import re
from dataclasses import dataclass

# notebook file stem -> {quoted number as written in the text: why it needs no cell}
CONSTANTS: dict[str, dict[str, str]] = {}

_NUMBER = r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+"
# a quoted number worth checking: scientific notation, a decimal, a percentage, a ratio, a timing
_QUOTED = re.compile(
    r"(?<![\w.])(?P<value>\d+(?:\.\d+)?[eE][-+]?\d+"  # 1.4e-6
    r"|\d*\.\d+"  # 0.87, .992
    r"|\d+(?=\s?(?:%|[x×](?![\w])|ms\b|µs\b|us\b)))"  # 65 %, 7x, 12 ms
    r"(?P<unit>\s?(?:%|[x×](?![\w])|ms\b|µs\b|us\b))?"
    r"(?![\w.]*\d)"  # not the start of a version like 3.11.2 or an id like 4x4x128
)
_PRINTED = re.compile(r"(?<![\d.])(?:" + _NUMBER + r")(?![\d])")
_APPROXIMATE = re.compile(r"(?:about|around|roughly|nearly|almost|~|≈)\s*$", re.I)


@dataclass(frozen=True)
class Quote:
    cell: int  # index of the markdown cell in the notebook
    text: str  # the number as written, unit included
    value: float
    decimals: int  # digits after the decimal point as written
    percent: bool
    approximate: bool


def _prose(markdown: str) -> str:
    """Markdown without what is not prose: fenced code (solutions), URLs, HTML tags."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"<[^>]+>", " ", text)


def quotes(markdown: str, cell: int = 0) -> list[Quote]:
    """The checked numbers of one markdown cell."""
    found = []
    text = _prose(markdown)
    for match in _QUOTED.finditer(text):
        raw = match.group("value")
        unit = (match.group("unit") or "").strip()
        decimals = len(raw.split(".")[1]) if "." in raw and "e" not in raw.lower() else 0
        before = text[max(0, match.start() - 12) : match.start()]
        found.append(
            Quote(
                cell=cell,
                text=match.group(0).strip(),
                value=float(raw),
                decimals=decimals,
                percent=unit == "%",
                approximate=bool(_APPROXIMATE.search(before)),
            )
        )
    return found


def shown_numbers(nb: dict) -> list[float]:
    """Every number in the notebook's code and in its text outputs."""
    texts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        texts.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                texts.append("".join(output["text"]))
            elif "data" in output:
                texts.append("".join(output["data"].get("text/plain", "")))
    values = []
    for text in texts:
        for token in _PRINTED.findall(text):
            try:
                values.append(float(token))
            except ValueError:
                continue
    return values


def _matches(quote: Quote, shown: float) -> bool:
    candidates = [quote.value]
    if quote.percent:
        candidates.append(quote.value / 100)  # 65% shown as a share 0.65
    for target in candidates:
        if math.isclose(shown, target, rel_tol=1e-12, abs_tol=0.0):
            return True
        if quote.approximate and _rounds_to(shown, target, quote):
            return True
    return False


def _rounds_to(shown: float, target: float, quote: Quote) -> bool:
    """Does `shown`, rounded as the text rounds, give the quoted number?"""
    if quote.decimals == 0 and target and float(target).is_integer():
        # "about 700": round to the last non-zero digit written
        magnitude = 10 ** (len(str(int(target))) - len(str(int(target)).rstrip("0")))
        return round(shown / magnitude) * magnitude == target
    decimals = quote.decimals if target == quote.value else quote.decimals + 2
    return round(shown, decimals) == round(target, decimals)


def unshown_quotes(nb: dict, stem: str) -> list[Quote]:
    """The quoted numbers of a notebook that no cell shows and no constant explains."""
    constants = CONSTANTS.get(stem, {})
    shown = shown_numbers(nb)
    missing = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for quote in quotes("".join(cell["source"]), index):
            if quote.text in constants:
                continue
            if not any(_matches(quote, value) for value in shown):
                missing.append(quote)
    return missing


def count_quotes(nb: dict) -> int:
    return sum(
        len(quotes("".join(c["source"]))) for c in nb["cells"] if c["cell_type"] == "markdown"
    )


def load(path) -> dict:
    return json.loads(path.read_text())
