"""Foundation models on AWS: the requests that Bedrock and SageMaker JumpStart endpoints take
(notebook 10), with the sampling controls of notebook 09 under their AWS names.

The functions here only BUILD requests (plain dicts of keyword arguments for a boto3 client)
and check the controls before anything is sent. `send` then either calls the real service or,
by default, runs the request through botocore's Stubber: offline, with no credentials, the
request is still validated against the service's own API model (a wrong parameter name or
type fails exactly as it would against AWS) and answered with a canned response. The real
call happens only when AWS credentials are configured AND COURSE_AWS_LIVE=1 is set.

boto3 is an optional dependency (`pip install boto3`, or the `aws` extra of the course).
"""

import copy
import json
import os
from typing import Any

from helpers._checks import check_int, check_number

# Names of the same sampling controls in three APIs (notebook 09 -> notebook 10).
CONTROL_NAMES = {
    # course / transformers generate(): Bedrock Converse inferenceConfig, SageMaker TGI payload
    "temperature": ("temperature", "temperature"),
    "top_p": ("topP", "top_p"),
    "max_new_tokens": ("maxTokens", "max_new_tokens"),
    "top_k": ("(model-specific: additionalModelRequestFields)", "top_k"),
}

DEFAULT_CHAT_MODEL = "amazon.nova-lite-v1:0"
DEFAULT_EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"
LIVE_VARIABLE = "COURSE_AWS_LIVE"
INSTALL_HINT = "boto3 is not installed: run `pip install boto3` (or `pip install -e .[aws]`)."


def check_controls(temperature: float, top_p: float, max_tokens: int) -> None:
    """Reject out-of-range controls before any request is sent (Bedrock's documented ranges)."""
    check_number("temperature", temperature, 0, 1)
    check_number("top_p (topP)", top_p, 0, 1)
    check_int("max_tokens (maxTokens)", max_tokens, low=1)


def converse_request(
    prompt: str,
    model_id: str = DEFAULT_CHAT_MODEL,
    temperature: float = 0.7,
    top_p: float = 0.9,
    max_tokens: int = 256,
    system: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments of bedrock-runtime `converse`: one user message and the controls."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt must be a non-empty string")
    check_controls(temperature, top_p, max_tokens)
    request: dict[str, Any] = {
        "modelId": model_id,
        "messages": [{"role": "user", "content": [{"text": prompt}]}],
        "inferenceConfig": {
            "temperature": float(temperature),
            "topP": float(top_p),
            "maxTokens": max_tokens,
        },
    }
    if system:
        request["system"] = [{"text": system}]
    return request


def titan_embedding_request(
    text: str, model_id: str = DEFAULT_EMBEDDING_MODEL, dimensions: int = 256
) -> dict[str, Any]:
    """Keyword arguments of bedrock-runtime `invoke_model` for Titan Text Embeddings V2."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty string")
    if dimensions not in (256, 512, 1024):
        raise ValueError(f"dimensions must be 256, 512 or 1024 (Titan V2), got {dimensions!r}")
    body = {"inputText": text, "dimensions": dimensions, "normalize": True}
    return {
        "modelId": model_id,
        "contentType": "application/json",
        "accept": "application/json",
        "body": json.dumps(body),
    }


def sagemaker_generation_request(
    endpoint_name: str,
    prompt: str,
    temperature: float = 0.7,
    top_p: float = 0.9,
    max_new_tokens: int = 256,
) -> dict[str, Any]:
    """Keyword arguments of sagemaker-runtime `invoke_endpoint` for a JumpStart text-generation
    endpoint (the Hugging Face text-generation-inference payload)."""
    if not isinstance(endpoint_name, str) or not endpoint_name.strip():
        raise ValueError("endpoint_name must be a non-empty string")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt must be a non-empty string")
    check_controls(temperature, top_p, max_new_tokens)
    parameters = {
        "max_new_tokens": max_new_tokens,
        "temperature": float(temperature),
        "top_p": float(top_p),
        "do_sample": temperature > 0,
    }
    return {
        "EndpointName": endpoint_name,
        "ContentType": "application/json",
        "Accept": "application/json",
        "Body": json.dumps({"inputs": prompt, "parameters": parameters}),
    }


# --------------------------------------------------------------------------- fine-tuning (11)

DEFAULT_CUSTOMIZATION_MODEL = "amazon.titan-text-lite-v1:0:4k"  # a base model Bedrock tunes
# A Hugging Face training container in one region (an example URI: the SageMaker SDK's
# JumpStartEstimator looks up the right image for a JumpStart model and region).
HF_TRAINING_IMAGE = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:"
    "2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04"
)


def _check_s3(name: str, uri: object) -> None:
    if not isinstance(uri, str) or not uri.startswith("s3://") or len(uri) <= len("s3://"):
        raise ValueError(f"{name} must be an S3 URI like 's3://bucket/path', got {uri!r}")


def _check_name(name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")


def bedrock_customization_request(
    job_name: str,
    role_arn: str,
    training_s3: str,
    output_s3: str,
    base_model: str = DEFAULT_CUSTOMIZATION_MODEL,
    epochs: int = 2,
    batch_size: int = 1,
    learning_rate: float = 1e-5,
) -> dict[str, Any]:
    """Keyword arguments of bedrock `create_model_customization_job`: fine-tune `base_model` on
    the JSON Lines file at `training_s3` ({"prompt": ..., "completion": ...} per line). Bedrock
    takes its hyperparameters as strings."""
    for name, value in (("job_name", job_name), ("role_arn", role_arn)):
        _check_name(name, value)
    _check_s3("training_s3", training_s3)
    _check_s3("output_s3", output_s3)
    check_int("epochs", epochs, low=1)
    check_int("batch_size", batch_size, low=1)
    check_number("learning_rate", learning_rate, 0, 1, low_open=True)
    return {
        "jobName": job_name,
        "customModelName": f"{job_name}-model",
        "roleArn": role_arn,
        "baseModelIdentifier": base_model,
        "customizationType": "FINE_TUNING",
        "trainingDataConfig": {"s3Uri": training_s3},
        "outputDataConfig": {"s3Uri": output_s3},
        "hyperParameters": {
            "epochCount": str(epochs),
            "batchSize": str(batch_size),
            "learningRate": str(learning_rate),
        },
    }


def sagemaker_training_request(
    job_name: str,
    role_arn: str,
    training_s3: str,
    output_s3: str,
    instance_type: str = "ml.g5.2xlarge",
    max_hours: float = 2.0,
    hyperparameters: dict[str, str] | None = None,
    image: str = HF_TRAINING_IMAGE,
) -> dict[str, Any]:
    """Keyword arguments of sagemaker `create_training_job`: one instance of `instance_type`
    runs the training container on the data at `training_s3` and writes the fine-tuned model
    to `output_s3`. SageMaker bills the instance for every second the job runs, up to
    `max_hours` (the job is stopped there)."""
    for name, value in (("job_name", job_name), ("role_arn", role_arn),
                        ("instance_type", instance_type)):  # fmt: skip
        _check_name(name, value)
    _check_s3("training_s3", training_s3)
    _check_s3("output_s3", output_s3)
    check_number("max_hours", max_hours, 0, 24 * 5, low_open=True)
    hyperparameters = dict(hyperparameters or {"epochs": "2", "learning_rate": "0.0001",
                                               "lora_r": "8"})  # fmt: skip
    for key, value in hyperparameters.items():
        if not isinstance(value, str):
            raise TypeError(f"hyperparameters[{key!r}] must be a str (SageMaker passes them as "
                            f"text), got {value!r}")  # fmt: skip
    return {
        "TrainingJobName": job_name,
        "RoleArn": role_arn,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
        "HyperParameters": hyperparameters,
        "InputDataConfig": [
            {
                "ChannelName": "training",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": training_s3,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": output_s3},
        "ResourceConfig": {"InstanceType": instance_type, "InstanceCount": 1, "VolumeSizeInGB": 50},
        "StoppingCondition": {"MaxRuntimeInSeconds": int(max_hours * 3600)},
    }


def training_cost_text(request: dict[str, Any]) -> str:
    """What a training job request would cost, in the terms AWS prices it (instance hours)."""
    resources = request["ResourceConfig"]
    hours = request["StoppingCondition"]["MaxRuntimeInSeconds"] / 3600
    n, kind = resources["InstanceCount"], resources["InstanceType"]
    return (
        f"at most {n * hours:g} instance-hours of {kind} ({n} instance x {hours:g} h, billed "
        f"per second while the job runs), plus S3 storage; multiply by the on-demand price of "
        f"{kind} for SageMaker training in your region (the SageMaker pricing page)"
    )


JUMPSTART_DEPLOY_CODE = """\
# Run only with an AWS account: it creates an endpoint that is billed while it runs.
from sagemaker.jumpstart.model import JumpStartModel

model = JumpStartModel(model_id="huggingface-llm-mistral-7b-instruct")
predictor = model.deploy(accept_eula=True)  # takes several minutes
print(predictor.endpoint_name)
# ... use sagemaker_generation_request(predictor.endpoint_name, "...") with send() ...
predictor.delete_model()
predictor.delete_endpoint()  # stop paying for it"""

# Canned answers for the offline (stubbed) path, shaped like the real services' responses.
STUB_RESPONSES = {
    ("bedrock-runtime", "converse"): {
        "output": {
            "message": {
                "role": "assistant",
                "content": [{"text": "(stubbed reply: no request left this machine)"}],
            }
        },
        "stopReason": "end_turn",
        "usage": {"inputTokens": 12, "outputTokens": 9, "totalTokens": 21},
        "metrics": {"latencyMs": 0},
    },
    ("bedrock-runtime", "invoke_model"): {
        "body": b'{"embedding": [0.0], "inputTextTokenCount": 1}',
        "contentType": "application/json",
    },
    ("bedrock", "create_model_customization_job"): {
        "jobArn": "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/stubbed"
    },
    ("sagemaker", "create_training_job"): {
        "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/stubbed"
    },
    ("sagemaker-runtime", "invoke_endpoint"): {
        "Body": b'[{"generated_text": "(stubbed reply)"}]',
        "ContentType": "application/json",
    },
}


def live_calls_enabled() -> bool:
    """True only when COURSE_AWS_LIVE=1 is set and boto3 finds AWS credentials."""
    if os.environ.get(LIVE_VARIABLE) != "1":
        return False
    boto3 = _boto3()
    return boto3.Session().get_credentials() is not None


def send(service: str, operation: str, request: dict[str, Any], region: str = "us-east-1"):
    """Send `request` with boto3: live when enabled (see `live_calls_enabled`), else through
    botocore's Stubber, which validates it against the service model and returns a canned
    response. Returns (response, "live" or "stubbed")."""
    boto3 = _boto3()
    if live_calls_enabled():
        client = boto3.client(service, region_name=region)
        return getattr(client, operation)(**request), "live"
    from botocore.stub import Stubber

    if (service, operation) not in STUB_RESPONSES:
        known = ", ".join(f"{s}.{o}" for s, o in STUB_RESPONSES)
        raise ValueError(f"service/operation must be one of {known}, got {service}.{operation}")
    client = boto3.client(
        service,
        region_name=region,
        aws_access_key_id="stub",  # never used: the Stubber answers before any network call
        aws_secret_access_key="stub",
    )
    with Stubber(client) as stubber:
        stubber.add_response(
            operation, copy.deepcopy(STUB_RESPONSES[(service, operation)]), request
        )
        response = getattr(client, operation)(**request)
        stubber.assert_no_pending_responses()
    return response, "stubbed"


def reply_text(response: dict[str, Any]) -> str:
    """The generated text or embedding summary of a response from any of the requests (for a
    fine-tuning job: the job's ARN)."""
    for key in ("jobArn", "TrainingJobArn"):
        if key in response:
            return f"job started: {response[key]}"
    if "output" in response:  # bedrock converse
        return "".join(part.get("text", "") for part in response["output"]["message"]["content"])
    for key in ("body", "Body"):  # invoke_model / invoke_endpoint: a stream or bytes of JSON
        if key in response:
            raw = response[key]
            payload = json.loads(raw.read() if hasattr(raw, "read") else raw)
            if isinstance(payload, dict) and "embedding" in payload:
                return f"embedding of {len(payload['embedding'])} numbers"
            if isinstance(payload, list) and payload and "generated_text" in payload[0]:
                return payload[0]["generated_text"]
            return json.dumps(payload)[:200]
    raise ValueError(f"response has no output, body or Body: keys {sorted(response)}")


def _boto3():
    try:
        import boto3
    except ImportError as error:
        raise ModuleNotFoundError(INSTALL_HINT) from error
    return boto3
