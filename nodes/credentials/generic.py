"""The generic HTTP credential types of n8n's HTTP Request node: basic, header, query, bearer,
custom JSON, and OAuth2. Names and field names are n8n's."""

from __future__ import annotations

from engine.credential_types import BasicAuth, BearerAuth, CredentialType, CustomAuth, HeaderAuth, QueryAuth
from engine.node_api import Option, Parameter

from .oauth2 import OAuth2Authenticate

SECRET = {"password": True}
DOCS = "https://docs.n8n.io/integrations/builtin/credentials/httprequest/"

HTTP_BASIC_AUTH = CredentialType(
    name="httpBasicAuth",
    display_name="Basic Auth",
    fields=(
        Parameter("user", "User", "string", default=""),
        Parameter("password", "Password", "string", default="", type_options=SECRET),
    ),
    authenticate=BasicAuth(user="{user}", password="{password}"),
    documentation_url=DOCS,
)

HTTP_HEADER_AUTH = CredentialType(
    name="httpHeaderAuth",
    display_name="Header Auth",
    fields=(
        Parameter("name", "Name", "string", default="", required=True, placeholder="X-API-Key"),
        Parameter("value", "Value", "string", default="", type_options=SECRET),
    ),
    authenticate=HeaderAuth(name="{name}", value="{value}"),
    documentation_url=DOCS,
)

HTTP_QUERY_AUTH = CredentialType(
    name="httpQueryAuth",
    display_name="Query Auth",
    fields=(
        Parameter("name", "Name", "string", default="", required=True, placeholder="api_key"),
        Parameter("value", "Value", "string", default="", type_options=SECRET),
    ),
    authenticate=QueryAuth(name="{name}", value="{value}"),
    documentation_url=DOCS,
)

HTTP_BEARER_AUTH = CredentialType(
    name="httpBearerAuth",
    display_name="Bearer Auth",
    fields=(Parameter("token", "Bearer Token", "string", default="", required=True, type_options=SECRET),),
    authenticate=BearerAuth(token="{token}"),
    documentation_url=DOCS,
)

HTTP_CUSTOM_AUTH = CredentialType(
    name="httpCustomAuth",
    display_name="Custom Auth",
    fields=(
        Parameter("json", "JSON", "json", default="", required=True, type_options={"password": True, "rows": 6},
                  description="Authentication values for headers, body and qs, as one JSON object",
                  placeholder='{ "headers": { "key": "value" }, "body": { "key": "value" }, "qs": { "key": "value" } }'),
    ),
    authenticate=CustomAuth(field="json"),
    documentation_url=DOCS,
)

_CODE_GRANTS = ("authorizationCode", "pkce")

OAUTH2_API = CredentialType(
    name="oAuth2Api",
    display_name="OAuth2 API",
    fields=(
        Parameter("grantType", "Grant Type", "options", default="authorizationCode", options=(
            Option("Authorization Code", "authorizationCode"),
            Option("Client Credentials", "clientCredentials"),
            Option("PKCE", "pkce"),
        )),
        Parameter("authUrl", "Authorization URL", "string", default="", required=True,
                  show={"grantType": _CODE_GRANTS}),
        Parameter("accessTokenUrl", "Access Token URL", "string", default="", required=True),
        Parameter("clientId", "Client ID", "string", default="", required=True),
        Parameter("clientSecret", "Client Secret", "string", default="", type_options=SECRET,
                  description="Leave empty for a public PKCE client"),
        Parameter("scope", "Scope", "string", default="", description="Scopes separated by spaces"),
        Parameter("authQueryParameters", "Auth URI Query Parameters", "string", default="",
                  placeholder="access_type=offline", show={"grantType": _CODE_GRANTS},
                  description="Extra query parameters some providers need on the authorization URL"),
        Parameter("authentication", "Authentication", "options", default="header", options=(
            Option("Body", "body", "Send the client credentials in the body"),
            Option("Header", "header", "Send the client credentials as a Basic Auth header"),
        )),
        # Written by the connect flow, never typed in: the token and the pending PKCE verifier.
        Parameter("oauthTokenData", "OAuth Token Data", "hidden", type_options=SECRET),
        Parameter("codeVerifier", "PKCE Code Verifier", "hidden", type_options=SECRET),
    ),
    authenticate=OAuth2Authenticate(),
    documentation_url=DOCS,
)

_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
               "PS256", "PS384", "PS512")

# n8n's jwtAuth: what the Webhook and Wait nodes verify incoming Bearer tokens with.
JWT_AUTH = CredentialType(
    name="jwtAuth",
    display_name="JWT Auth",
    fields=(
        Parameter("keyType", "Key Type", "options", default="passphrase",
                  options=(Option("Passphrase", "passphrase"), Option("PEM Key", "pemKey")),
                  description="A shared secret (HMAC) or a key pair"),
        Parameter("secret", "Secret", "string", default="", type_options=SECRET, show={"keyType": ("passphrase",)}),
        Parameter("privateKey", "Private Key", "string", default="", type_options={**SECRET, "rows": 4},
                  show={"keyType": ("pemKey",)}),
        Parameter("publicKey", "Public Key", "string", default="", type_options={"rows": 4},
                  show={"keyType": ("pemKey",)}),
        Parameter("algorithm", "Algorithm", "options", default="HS256",
                  options=tuple(Option(name, name) for name in _ALGORITHMS)),
    ),
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/jwt/",
)

GENERIC_TYPES: list[CredentialType] = [
    HTTP_BASIC_AUTH,
    HTTP_HEADER_AUTH,
    HTTP_QUERY_AUTH,
    HTTP_BEARER_AUTH,
    HTTP_CUSTOM_AUTH,
    OAUTH2_API,
    JWT_AUTH,
]
