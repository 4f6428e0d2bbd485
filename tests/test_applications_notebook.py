"""Notebook 10 shows what the issue asks for: the measured targets, the exact AWS request bodies,
the JumpStart flow as text that never runs, and no credentials anywhere."""

import json
import re

import pytest
from course_paths import NOTEBOOKS

from helpers.applications.foundation_models import JUMPSTART_DEPLOY_CODE

PATH = next((p for p in NOTEBOOKS if p.name.startswith("10_")), None)
pytestmark = pytest.mark.skipif(PATH is None, reason="notebook 10 is not there yet")


@pytest.fixture(scope="module")
def cells():
    return json.loads(PATH.read_text())["cells"]


def _outputs(cells) -> str:
    return "".join(
        "".join(o.get("text", "")) for c in cells if c["cell_type"] == "code" for o in c["outputs"]
    )


def test_targets_are_met_in_the_stored_outputs(cells):
    text = _outputs(cells)
    accuracy = float(re.search(r"held-out accuracy: ([\d.]+)", text).group(1))
    f1 = float(re.search(r"entity F1 on held-out sentences: ([\d.]+)", text).group(1))
    assert accuracy >= 0.85 and f1 >= 0.95


def test_request_bodies_are_shown(cells):
    text = _outputs(cells)
    for shown in ('"inferenceConfig"', '"topP": 0.9', '"maxTokens": 200', '"inputText"',
                  '"EndpointName"', '"max_new_tokens": 200', "stubbed:"):  # fmt: skip
        assert shown in text


def test_jumpstart_flow_is_text_not_code(cells):
    markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert JUMPSTART_DEPLOY_CODE in markdown
    assert "JumpStartModel" not in code and ".deploy(" not in code


def test_no_credentials_in_the_notebook():
    text = PATH.read_text()
    assert not re.search(r"AKIA[0-9A-Z]{16}|aws_secret_access_key|aws_access_key_id", text)
