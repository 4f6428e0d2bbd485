"""The course itself as data: its repository, its notebooks in learning order, and the Colab
links and first setup cell derived from them. README, notebook 00's course map and the
notebook tests all read from here, so the course is described in one place.
"""

import re
from dataclasses import dataclass

# The repository learners install from in Colab. Change it here (and only here) when the course
# moves; README badges and every notebook's setup cell are checked against it by the tests.
REPOSITORY_URL = "https://github.com/transformers-hands-on/transformers-hands-on"
BRANCH = "main"


@dataclass(frozen=True)
class Notebook:
    """One notebook of the syllabus."""

    number: str  # "00" .. "10": the learning order
    slug: str  # file name without the number and extension
    title: str  # shown in the README and on the course map
    teaches: str  # one line: what the learner sees and does

    @property
    def filename(self) -> str:
        return f"{self.number}_{self.slug}.ipynb"


SYLLABUS: tuple[Notebook, ...] = (
    Notebook(
        "00",
        "start_here",
        "Start here",
        "environment check, sliders and self-checking exercises, the course map",
    ),
    Notebook(
        "01",
        "tokens_and_embeddings",
        "Tokens and embeddings",
        "characters, words and BPE; GPT-4's tokenizers; embeddings and semantic search",
    ),
    Notebook(
        "02",
        "rnn_encoder_decoder_bottleneck",
        "The RNN encoder-decoder and its bottleneck",
        "a GRU translator squeezes a sentence into one vector; accuracy falls with length",
    ),
    Notebook(
        "03",
        "attention_fixes_the_bottleneck",
        "Attention fixes the bottleneck",
        "the decoder looks back at every encoder state; alignment heatmaps",
    ),
    Notebook(
        "04",
        "self_attention",
        "Self-attention",
        "queries, keys and values step by step; the two 'bank's in a real model",
    ),
    Notebook(
        "05",
        "multi_head_attention_and_the_transformer_block",
        "Multi-head attention and the transformer block",
        "you write layer norm and multi-head attention; positions, the block; all tokens at once",
    ),
    Notebook(
        "06",
        "transformer_translation",
        "The transformer: translation with no RNN",
        "the 2017 encoder-decoder on 02-03's task: cross-attention, speed and accuracy measured",
    ),
    Notebook(
        "07",
        "masked_attention_and_gpt",
        "Masked attention and the GPT architecture",
        "the causal mask; you write the block and the GPT forward, equal to GPT-2's code",
    ),
    Notebook(
        "08",
        "training_a_mini_gpt",
        "Training a mini GPT",
        "next-token prediction; you write the loss and the training step, then train live",
    ),
    Notebook(
        "09",
        "sampling_and_llm_controls",
        "Sampling and LLM controls",
        "temperature, top-k, top-p sliders; you write the sampling loop; the KV cache",
    ),
    Notebook(
        "10",
        "applications_and_foundation_models",
        "Applications and foundation models",
        "classification, NER, search and translation; pipelines; Bedrock and JumpStart",
    ),
    Notebook(
        "11",
        "fine_tuning",
        "Fine-tuning a pre-trained model",
        "full fine-tuning vs LoRA with peft; MiniLM end to end; a fine-tuning job on AWS",
    ),
)


def github_slug(url: str = REPOSITORY_URL) -> str:
    """'owner/name' of a GitHub repository URL."""
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", url)
    if match is None:
        raise ValueError(f"url must look like https://github.com/OWNER/NAME, got {url!r}")
    return match.group(1)


def colab_url(notebook: Notebook) -> str:
    """The address that opens a notebook of the course in Google Colab."""
    return (
        f"https://colab.research.google.com/github/{github_slug()}/blob/{BRANCH}"
        f"/notebooks/{notebook.filename}"
    )


def colab_badge(notebook: Notebook) -> str:
    """Markdown for the 'Open in Colab' badge of a notebook."""
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({badge})]({colab_url(notebook)})"


def notebook_by_filename(filename: str) -> Notebook:
    """The syllabus entry of a notebook file name such as '00_start_here.ipynb'."""
    for notebook in SYLLABUS:
        if notebook.filename == filename:
            return notebook
    known = ", ".join(n.filename for n in SYLLABUS)
    raise ValueError(f"filename must be one of the syllabus notebooks ({known}), got {filename!r}")


# The one-line note above the setup cell, and the metadata that folds the cell away: Colab shows
# a form with the #@title line, JupyterLab hides the source behind a "..." the learner can open.
SETUP_NOTE = (
    "*Setup: the folded cell below installs the course helpers when you run this notebook in "
    "Colab, and does nothing anywhere else. Run it first.*"
)
SETUP_CELL_METADATA = {"cellView": "form", "jupyter": {"source_hidden": True}}

SETUP_CELL = f'''\
#@title Setup (run me first)
# The same first cell in every notebook: in Colab it installs the course helpers once;
# anywhere else it does nothing. (The variable COURSE_REPO_URL overrides where they come from.)
import importlib.util, os, subprocess, sys
try:
    import google.colab  # noqa: F401  (importable only inside Colab)
    IN_COLAB = True
except ImportError:
    IN_COLAB = False
if IN_COLAB and importlib.util.find_spec("helpers") is None:
    repo = os.environ.get("COURSE_REPO_URL", "{REPOSITORY_URL}")
    print(f"Installing the course helpers from {{repo}} (about a minute)...")
    try:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", f"git+{{repo}}"],
                       check=True, timeout=300)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise SystemExit(f"Could not install the course helpers ({{error}}). Check that this "
                         "Colab runtime is online (Runtime > Disconnect and delete runtime, then "
                         "reconnect), or set COURSE_REPO_URL to a copy you can reach; then run "
                         "this cell again.")
    importlib.invalidate_caches()'''


def syllabus_table(existing: set[str]) -> str:
    """The README's syllabus as a Markdown table; Colab badges for the notebooks in `existing`
    (file names). tools/readme.py writes it into README.md; a test checks it is up to date."""
    rows = ["| # | notebook | what you see and do | open |", "|---|---|---|---|"]
    for nb in SYLLABUS:
        if nb.filename in existing:
            title = f"[{nb.title}](notebooks/{nb.filename})"
            badge = colab_badge(nb)
        else:
            title, badge = nb.title, "*coming next*"
        rows.append(f"| {nb.number} | {title} | {nb.teaches} | {badge} |")
    return "\n".join(rows)
