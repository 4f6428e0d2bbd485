"""AWS requests are checked against botocore's own service models, offline, via the Stubber."""

import ast
import json

import pytest

pytest.importorskip("boto3")
from botocore.exceptions import ParamValidationError  # noqa: E402

from helpers.applications import foundation_models as fm  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/course-fine-tuning"
REQUESTS = [
    (
        "bedrock-runtime",
        "converse",
        lambda: fm.converse_request("Tell me a story.", system="Be brief."),
    ),
    ("bedrock-runtime", "invoke_model", lambda: fm.titan_embedding_request("a red ball")),
    ("sagemaker-runtime", "invoke_endpoint", lambda: fm.sagemaker_generation_request("ep-1", "Hi")),
    (
        "bedrock",
        "create_model_customization_job",
        lambda: fm.bedrock_customization_request(
            "story-qa", ROLE, "s3://b/train.jsonl", "s3://b/out/"
        ),
    ),
    (
        "sagemaker",
        "create_training_job",
        lambda: fm.sagemaker_training_request("story-qa", ROLE, "s3://b/train/", "s3://b/out/"),
    ),
]


@pytest.fixture(autouse=True)
def no_aws(monkeypatch, tmp_path):
    """No credentials anywhere, whatever the machine has."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv(fm.LIVE_VARIABLE, raising=False)


@pytest.mark.parametrize(("service", "operation", "build"), REQUESTS, ids=lambda x: str(x))
def test_each_request_is_valid_for_the_real_api(service, operation, build):
    response, how = fm.send(service, operation, build())
    assert how == "stubbed"
    assert fm.reply_text(response)


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda r: r["inferenceConfig"].update(topp=0.5), "Unknown parameter in inferenceConfig"),
        (lambda r: r["inferenceConfig"].update(maxTokens="12"), "Invalid type"),
        (lambda r: r.pop("modelId"), "Missing required parameter"),
        (lambda r: r["messages"][0].update(role=3), "Invalid type"),
    ],
)
def test_an_invalid_parameter_or_type_fails_offline(mutate, error):
    request = fm.converse_request("Hi")
    mutate(request)
    with pytest.raises(ParamValidationError, match=error):
        fm.send("bedrock-runtime", "converse", request)


def test_controls_map_to_their_aws_names():
    request = fm.converse_request("Hi", temperature=0.3, top_p=0.8, max_tokens=40)
    assert request["inferenceConfig"] == {"temperature": 0.3, "topP": 0.8, "maxTokens": 40}
    body = json.loads(fm.sagemaker_generation_request("ep", "Hi", 0.0, 0.5, 7)["Body"])
    assert body["parameters"] == {"max_new_tokens": 7, "temperature": 0.0, "top_p": 0.5,
                                  "do_sample": False}  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"temperature": -0.1}, ValueError, r"temperature must be in \[0, 1\]"),
        ({"temperature": 1.5}, ValueError, r"temperature must be in \[0, 1\]"),
        ({"temperature": True}, TypeError, r"temperature must be a number in \[0, 1\]"),
        ({"top_p": 1.2}, ValueError, r"top_p \(topP\) must be in \[0, 1\]"),
        ({"top_p": -0.01}, ValueError, r"top_p \(topP\) must be in \[0, 1\]"),
        ({"max_tokens": 0}, ValueError, r"max_tokens \(maxTokens\) must be an integer >= 1"),
        ({"max_tokens": 2.5}, TypeError, r"max_tokens \(maxTokens\) must be an integer >= 1"),
        ({"prompt": " "}, ValueError, "prompt must be a non-empty string"),
    ],
)
def test_out_of_range_controls_are_rejected_before_any_call(kwargs, error, message):
    kwargs = {"prompt": "Hi", **kwargs}
    with pytest.raises(error, match=message):
        fm.converse_request(**kwargs)


def test_live_calls_need_the_opt_in_and_credentials(monkeypatch):
    assert not fm.live_calls_enabled()
    monkeypatch.setenv(fm.LIVE_VARIABLE, "1")
    assert not fm.live_calls_enabled()  # opted in, but no credentials: still stubbed
    assert fm.send("bedrock-runtime", "converse", fm.converse_request("Hi"))[1] == "stubbed"


def test_missing_boto3_gives_one_sentence(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(ModuleNotFoundError, match="pip install boto3"):
        fm.send("bedrock-runtime", "converse", fm.converse_request("Hi"))


def test_jumpstart_code_is_shown_not_run():
    tree = ast.parse(fm.JUMPSTART_DEPLOY_CODE)
    assert any(isinstance(n, ast.ImportFrom) and n.module == "sagemaker.jumpstart.model"
               for n in tree.body)  # fmt: skip
    assert "delete_endpoint" in fm.JUMPSTART_DEPLOY_CODE


@pytest.mark.parametrize(
    ("service", "operation", "build", "mutate", "error"),
    [
        ("bedrock", "create_model_customization_job",
         lambda: fm.bedrock_customization_request("j", ROLE, "s3://b/t", "s3://b/o"),
         lambda r: r["hyperParameters"].update(epochCount=2), "Invalid type"),
        ("bedrock", "create_model_customization_job",
         lambda: fm.bedrock_customization_request("j", ROLE, "s3://b/t", "s3://b/o"),
         lambda r: r.update(trainingData=r.pop("trainingDataConfig")), "Unknown parameter"),
        ("sagemaker", "create_training_job",
         lambda: fm.sagemaker_training_request("j", ROLE, "s3://b/t", "s3://b/o"),
         lambda r: r["ResourceConfig"].update(InstanceCount="1"), "Invalid type"),
        ("sagemaker", "create_training_job",
         lambda: fm.sagemaker_training_request("j", ROLE, "s3://b/t", "s3://b/o"),
         lambda r: r.update(InputData=r.pop("InputDataConfig")), "Unknown parameter"),
    ],
)  # fmt: skip
def test_a_wrong_fine_tuning_field_fails_offline(service, operation, build, mutate, error):
    request = build()
    mutate(request)
    with pytest.raises(ParamValidationError, match=error):
        fm.send(service, operation, request)


def test_fine_tuning_requests_check_their_arguments_and_state_the_cost():
    with pytest.raises(ValueError, match="training_s3 must be an S3 URI"):
        fm.bedrock_customization_request("j", ROLE, "/local/file", "s3://b/o")
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        fm.bedrock_customization_request("j", ROLE, "s3://b/t", "s3://b/o", epochs=0)
    with pytest.raises(TypeError, match=r"hyperparameters\['epochs'\] must be a str"):
        fm.sagemaker_training_request(
            "j", ROLE, "s3://b/t", "s3://b/o", hyperparameters={"epochs": 2}
        )
    request = fm.sagemaker_training_request("j", ROLE, "s3://b/t", "s3://b/o", max_hours=1.5)
    assert fm.training_cost_text(request).startswith("at most 1.5 instance-hours of ml.g5.2xlarge")
