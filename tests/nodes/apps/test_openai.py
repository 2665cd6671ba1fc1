"""OpenAI: chat completions and embeddings, the API key (and optional organization) headers, a
compatible server's base URL, and OpenAI's error objects."""

from __future__ import annotations

from engine.items import Item
from nodes.apps.openai import APP

from .harness import body_of, reply, run_app

CREDENTIALS = {"openAiApi": {"apiKey": "sk-test"}}
COMPLETION = {
    "id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there!"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
}
CHAT = {"resource": "chat", "operation": "complete", "model": "gpt-4o-mini",
        "prompt": {"messages": [{"role": "system", "content": "Be brief"}, {"content": "Hi"}]},
        "options": {"maxTokens": 50, "temperature": 0.2}}


async def test_chat_completion_request_and_simplified_choices() -> None:
    run = await run_app(APP, CHAT, responses=[reply(COMPLETION)], credentials=CREDENTIALS)
    [request] = run.requests
    assert (request.method, str(request.url)) == ("POST", "https://api.openai.com/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer sk-test"
    assert "openai-organization" not in request.headers
    assert body_of(request) == {"model": "gpt-4o-mini", "max_tokens": 50, "temperature": 0.2,
                                "messages": [{"role": "system", "content": "Be brief"},
                                             {"role": "user", "content": "Hi"}]}
    assert run.json == COMPLETION["choices"]


async def test_whole_answer_organization_header_and_compatible_server() -> None:
    credentials = {"openAiApi": {"apiKey": "sk-x", "organizationId": "org-42", "url": "http://llm.local:8000/v1/"}}
    run = await run_app(APP, {**CHAT, "simplifyOutput": False}, responses=[reply(COMPLETION)],
                        credentials=credentials)
    assert str(run.requests[0].url) == "http://llm.local:8000/v1/chat/completions"
    assert run.requests[0].headers["openai-organization"] == "org-42"
    assert run.json == [COMPLETION]


async def test_embeddings_one_item_per_vector() -> None:
    answer = {"object": "list", "model": "text-embedding-3-small",
              "data": [{"object": "embedding", "index": 0, "embedding": [0.1, -0.2]}],
              "usage": {"prompt_tokens": 2, "total_tokens": 2}}
    run = await run_app(APP, {"resource": "embedding", "operation": "create", "input": "hello world",
                              "options": {"dimensions": 2}}, responses=[reply(answer)], credentials=CREDENTIALS)
    assert body_of(run.requests[0]) == {"model": "text-embedding-3-small", "input": "hello world", "dimensions": 2}
    assert str(run.requests[0].url) == "https://api.openai.com/v1/embeddings"
    assert run.json == [{"object": "embedding", "index": 0, "embedding": [0.1, -0.2]}]


async def test_invalid_key_shows_openais_message() -> None:
    answer = reply({"error": {"message": "Incorrect API key provided: sk-test.", "type": "invalid_request_error",
                              "code": "invalid_api_key"}}, status=401)
    run = await run_app(APP, CHAT, responses=[answer], credentials=CREDENTIALS)
    assert run.error["message"] == ("Authorization failed - please check your credentials (401): "
                                    "Incorrect API key provided: sk-test.")


async def test_server_error_continue_on_fail_keeps_other_items() -> None:
    answers = [reply(text="upstream timeout", status=503), reply(COMPLETION)]
    run = await run_app(APP, CHAT, responses=answers, credentials=CREDENTIALS, continueOnFail=True,
                        items=[Item({}), Item({})])
    assert run.json[0] == {"error": "Service unavailable - try again later or consider setting this node to "
                                    "retry automatically (in the node settings) (503): upstream timeout"}
    assert run.json[1] == COMPLETION["choices"][0]
    assert run.paired == [(0, 0), (1, 0)]
