"""OpenAI (n8n `openAi` v1/1.1): chat completions, plus embeddings (a Knotwork addition), against
api.openai.com or any compatible server (the credential's Base URL)."""

from __future__ import annotations

from typing import Any

from engine.node_api import Group

from .framework import (
    App,
    Args,
    Auth,
    CredentialTest,
    CredentialType,
    Operation,
    Option,
    Parameter,
    Resource,
    TemplateAuth,
)

OPENAI_API = CredentialType(
    name="openAiApi",
    display_name="OpenAI",
    fields=(
        Parameter("apiKey", "API Key", "string", default="", required=True, type_options={"password": True}),
        Parameter("organizationId", "Organization ID (optional)", "string", default="",
                  description="For users who belong to multiple organizations"),
        Parameter("url", "Base URL", "string", default="https://api.openai.com/v1",
                  description="Override the default base URL for the API (a compatible server)"),
    ),
    authenticate=TemplateAuth(headers={"Authorization": "Bearer {apiKey}",
                                       "OpenAI-Organization": "{organizationId}"}),
    test=CredentialTest(url="{url}/models"),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/openai/",
)

_ROLE = Parameter("role", "Role", "options", default="user", options=(
    Option("Assistant", "assistant"), Option("System", "system"), Option("User", "user")))
_CHAT_OPTIONS = Parameter("options", "Options", "collection", default={}, fields=(
    Parameter("frequency_penalty", "Frequency Penalty", "number", default=0),
    Parameter("maxTokens", "Maximum Number of Tokens", "number", default=16),
    Parameter("n", "Number of Completions", "number", default=1),
    Parameter("presence_penalty", "Presence Penalty", "number", default=0),
    Parameter("temperature", "Sampling Temperature", "number", default=1),
    Parameter("topP", "Top P", "number", default=1),
))
_API_NAMES = {"maxTokens": "max_tokens", "topP": "top_p"}


def _chat_body(args: Args) -> dict[str, Any]:
    prompt = args.get("prompt") or {}
    messages = [{"role": m.get("role", "user"), "content": m.get("content", "")}
                for m in prompt.get("messages") or [] if isinstance(m, dict)]
    options = {_API_NAMES.get(k, k): v for k, v in (args.get("options") or {}).items()}
    return {"model": args["model"], "messages": messages, **options}


def _choices(body: Any, args: Args) -> Any:
    """n8n's Simplify Output: one item per choice; otherwise the whole answer."""
    return body.get("choices", []) if args.get("simplifyOutput") and isinstance(body, dict) else body


CHAT_COMPLETE = Operation(
    "complete", "Complete", "POST", "/chat/completions", description="Create one or more completions for a chat",
    parameters=(
        Parameter("model", "Model", "string", default="gpt-3.5-turbo", required=True,
                  description="The model which will generate the completion"),
        Parameter("prompt", "Prompt", "fixedCollection", default={}, multiple=True, groups=(
            Group("messages", "Messages", (_ROLE, Parameter("content", "Content", "string", default=""))),)),
        Parameter("simplifyOutput", "Simplify", "boolean", default=True,
                  description="Whether to return only the choices instead of the whole answer"),
        _CHAT_OPTIONS,
    ),
    body=_chat_body,
    items=_choices,
)

EMBEDDING_CREATE = Operation(
    "create", "Create", "POST", "/embeddings", description="Embedding vectors of a text (one item per input)",
    parameters=(
        Parameter("model", "Model", "string", default="text-embedding-3-small", required=True),
        Parameter("input", "Input", "string", default="", required=True, type_options={"rows": 4}),
        Parameter("options", "Options", "collection", default={}, fields=(
            Parameter("dimensions", "Dimensions", "number", default=1536),
            Parameter("user", "User", "string", default=""),
        )),
    ),
    body={"model": "model", "input": "input", "*": "options"},
    items="data",
)

APP = App(
    name="openAi",
    display_name="OpenAI",
    description="Consume Open AI",
    base_url="{url}",
    auth=(Auth(OPENAI_API, "apiKey", "API Key"),),
    resources=(
        Resource("chat", "Chat", (CHAT_COMPLETE,)),
        Resource("embedding", "Embedding", (EMBEDDING_CREATE,)),
    ),
    aliases=("n8n-nodes-base.openAi",),
    versions=(1.0, 1.1),
    icon="smart_toy",
    categories=("Utility",),
    search_aliases=("ChatGPT", "GPT", "LLM", "AI", "embeddings"),
    documentation_url="https://platform.openai.com/docs/api-reference",
)
