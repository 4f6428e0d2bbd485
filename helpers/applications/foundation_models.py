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
    """The generated text or embedding summary of a response from any of the three requests."""
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
