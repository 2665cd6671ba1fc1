"""HTTP Request v3–4.2 parameters (n8n's V3 layout: sendQuery/sendHeaders/sendBody and the
`options` collection). Names, defaults and display rules are n8n's, so n8n exports import."""

from __future__ import annotations

from engine.node_api import Group, Option, Parameter

V3_VERSIONS = (3.0, 4.0, 4.1, 4.2)
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
GENERIC_AUTH_TYPES = (
    ("Basic Auth", "httpBasicAuth"),
    ("Bearer Auth", "httpBearerAuth"),
    ("Digest Auth", "httpDigestAuth"),
    ("Header Auth", "httpHeaderAuth"),
    ("Query Auth", "httpQueryAuth"),
    ("Custom Auth", "httpCustomAuth"),
    ("OAuth1 API", "oAuth1Api"),
    ("OAuth2 API", "oAuth2Api"),
)

_V3 = {"@version": V3_VERSIONS}


def _pairs(name: str, display: str, show: dict[str, tuple[object, ...]]) -> Parameter:
    """A `parameters[] {name, value}` list (query and headers)."""
    return Parameter(
        name, display, "fixedCollection", default={"parameters": [{"name": "", "value": ""}]},
        multiple=True, show={**_V3, **show}, placeholder="Add Parameter",
        groups=(Group("parameters", "Parameter", (
            Parameter("name", "Name", "string", default=""),
            Parameter("value", "Value", "string", default=""),
        )),),
    )


def _send_block(prefix: str, label: str, collection: str) -> tuple[Parameter, ...]:
    """sendQuery/specifyQuery/queryParameters/jsonQuery, and the same for headers."""
    send = f"send{prefix}"
    specify = f"specify{prefix}"
    return (
        Parameter(send, f"Send {label}", "boolean", default=False, show=_V3,
                  description=f"Whether the request has {label.lower()}"),
        Parameter(specify, f"Specify {label}", "options", default="keypair", show={**_V3, send: (True,)},
                  options=(Option("Using Fields Below", "keypair"), Option("Using JSON", "json"))),
        _pairs(collection, f"{label} Parameters",
               {send: (True,), specify: ("keypair",)}),
        Parameter(f"json{prefix}", "JSON", "json", default="", show={**_V3, send: (True,), specify: ("json",)}),
    )


_BODY_FIELDS = (
    Parameter("parameterType", "Parameter Type", "options", default="formData",
              options=(Option("Form Data", "formData"), Option("n8n Binary File", "formBinaryData"))),
    Parameter("name", "Name", "string", default=""),
    Parameter("value", "Value", "string", default="", show={"parameterType": ("formData",)}),
    Parameter("inputDataFieldName", "Input Data Field Name", "string", default="",
              show={"parameterType": ("formBinaryData",)},
              description="The binary field of the input item holding the file to upload"),
)

BODY = (
    Parameter("sendBody", "Send Body", "boolean", default=False, show=_V3,
              description="Whether the request has a body"),
    Parameter("contentType", "Body Content Type", "options", default="json", show={**_V3, "sendBody": (True,)},
              options=(
                  Option("Form Urlencoded", "form-urlencoded"),
                  Option("Form-Data", "multipart-form-data"),
                  Option("JSON", "json"),
                  Option("n8n Binary File", "binaryData"),
                  Option("Raw", "raw"),
              )),
    Parameter("specifyBody", "Specify Body", "options", default="keypair",
              show={**_V3, "sendBody": (True,), "contentType": ("json", "form-urlencoded")},
              options=(Option("Using Fields Below", "keypair"), Option("Using JSON", "json"),
                       Option("Using Single Field", "string"))),
    Parameter("bodyParameters", "Body Parameters", "fixedCollection",
              default={"parameters": [{"name": "", "value": ""}]}, multiple=True, placeholder="Add Parameter",
              show={**_V3, "sendBody": (True,), "contentType": ("json", "form-urlencoded", "multipart-form-data"),
                    "specifyBody": ("keypair",)},
              groups=(Group("parameters", "Parameter", _BODY_FIELDS),)),
    Parameter("jsonBody", "JSON", "json", default="",
              show={**_V3, "sendBody": (True,), "contentType": ("json",), "specifyBody": ("json",)}),
    Parameter("inputDataFieldName", "Input Data Field Name", "string", default="",
              show={**_V3, "sendBody": (True,), "contentType": ("binaryData",)},
              description="The binary field of the input item holding the file to send"),
    Parameter("rawContentType", "Content Type", "string", default="", placeholder="text/html",
              show={**_V3, "sendBody": (True,), "contentType": ("raw",)}),
    Parameter("body", "Body", "string", default="", type_options={"rows": 4},
              show={**_V3, "sendBody": (True,), "contentType": ("raw", "form-urlencoded")},
              description="The body as text (raw, or an urlencoded string for Using Single Field)"),
)

_PAGINATION_PARAMETER = (
    Parameter("type", "Type", "options", default="qs", options=(
        Option("Body", "body"), Option("Headers", "headers"), Option("Query", "qs"))),
    Parameter("name", "Name", "string", default=""),
    Parameter("value", "Value", "string", default="",
              description="An expression over $response and $pageCount, e.g. {{ $pageCount * 100 }}"),
)

PAGINATION = Parameter(
    "pagination", "Pagination", "fixedCollection", default={}, placeholder="Add pagination",
    groups=(Group("pagination", "Pagination", (
        Parameter("paginationMode", "Pagination Mode", "options", default="updateAParameterInEachRequest",
                  options=(
                      Option("Off", "off"),
                      Option("Update a Parameter in Each Request", "updateAParameterInEachRequest"),
                      Option("Response Contains Next URL", "responseContainsNextURL"),
                  )),
        Parameter("nextURL", "Next URL", "string", default="",
                  show={"paginationMode": ("responseContainsNextURL",)},
                  description='An expression giving the next page, e.g. {{ $response.body["next-page"] }}'),
        Parameter("parameters", "Parameters", "fixedCollection", default={"parameters": [{"type": "qs"}]},
                  multiple=True, show={"paginationMode": ("updateAParameterInEachRequest",)},
                  groups=(Group("parameters", "Parameter", _PAGINATION_PARAMETER),)),
        Parameter("paginationCompleteWhen", "Pagination Complete When", "options", default="responseIsEmpty",
                  hide={"paginationMode": ("off",)},
                  options=(
                      Option("Response Is Empty", "responseIsEmpty"),
                      Option("Receive Specific Status Codes", "receiveSpecificStatusCodes"),
                      Option("Other", "other"),
                  )),
        Parameter("statusCodesWhenComplete", "Status Code(s) when Complete", "string", default="",
                  show={"paginationCompleteWhen": ("receiveSpecificStatusCodes",)},
                  description="Comma-separated status codes"),
        Parameter("completeExpression", "Complete Expression", "string", default="",
                  show={"paginationCompleteWhen": ("other",)},
                  description="True when pagination is complete, e.g. {{ $response.body.next == null }}"),
        Parameter("limitPagesFetched", "Limit Pages Fetched", "boolean", default=False,
                  hide={"paginationMode": ("off",)}),
        Parameter("maxRequests", "Max Pages", "number", default=100, show={"limitPagesFetched": (True,)}),
        Parameter("requestInterval", "Interval Between Requests (ms)", "number", default=0,
                  hide={"paginationMode": ("off",)}, type_options={"min": 0}),
    )),),
)

OPTIONS = Parameter(
    "options", "Options", "collection", default={}, placeholder="Add option", show=_V3,
    fields=(
        Parameter("batching", "Batching", "fixedCollection", default={"batch": {}}, groups=(
            Group("batch", "Batching", (
                Parameter("batchSize", "Items per Batch", "number", default=50,
                          description="Input items sent at once; -1 sends all of them"),
                Parameter("batchInterval", "Batch Interval (ms)", "number", default=1000,
                          type_options={"min": 0}),
            )),)),
        Parameter("allowUnauthorizedCerts", "Ignore SSL Issues (Insecure)", "boolean", default=False,
                  description="Whether to download the response even when the TLS certificate is not valid"),
        Parameter("queryParameterArrays", "Array Format in Query Parameters", "options", default="brackets",
                  options=(Option("No Brackets", "repeat", "foo=bar&foo=qux"),
                           Option("Brackets Only", "brackets", "foo[]=bar&foo[]=qux"),
                           Option("Brackets with Indices", "indices", "foo[0]=bar&foo[1]=qux"))),
        Parameter("lowercaseHeaders", "Lowercase Headers", "boolean", default=True,
                  show={"@version": (4.2,)}, description="Whether to lowercase header names"),
        Parameter("redirect", "Redirects", "fixedCollection", default={"redirect": {}}, groups=(
            Group("redirect", "Redirect", (
                Parameter("followRedirects", "Follow Redirects", "boolean", default=True),
                Parameter("maxRedirects", "Max Redirects", "number", default=21,
                          show={"followRedirects": (True,)}),
            )),)),
        Parameter("response", "Response", "fixedCollection", default={"response": {}}, groups=(
            Group("response", "Response", (
                Parameter("fullResponse", "Include Response Headers and Status", "boolean", default=False),
                Parameter("neverError", "Never Error", "boolean", default=False,
                          description="Whether to succeed even when the status code is not 2xx"),
                Parameter("responseFormat", "Response Format", "options", default="autodetect", options=(
                    Option("Autodetect", "autodetect"), Option("File", "file"),
                    Option("JSON", "json"), Option("Text", "text"))),
                Parameter("outputPropertyName", "Put Output in Field", "string", default="data",
                          show={"responseFormat": ("file", "text")}),
            )),)),
        PAGINATION,
        Parameter("proxy", "Proxy", "string", default="", placeholder="http://myproxy:3128"),
        Parameter("timeout", "Timeout (ms)", "number", default=10000, type_options={"min": 1},
                  description="Time to wait for the server's answer before giving up"),
    ),
)

V3_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("method", "Method", "options", default="GET", show=_V3,
              options=tuple(Option(method, method) for method in METHODS)),
    Parameter("url", "URL", "string", default="", required=True, show=_V3, placeholder="https://example.com/path"),
    Parameter("authentication", "Authentication", "options", default="none", show=_V3, options=(
        Option("None", "none"),
        Option("Predefined Credential Type", "predefinedCredentialType",
               "A credential type Knotwork declares, e.g. an app's API key"),
        Option("Generic Credential Type", "genericCredentialType", "Basic, bearer, digest, header, query..."),
    )),
    Parameter("nodeCredentialType", "Credential Type", "string", default="", placeholder="e.g. httpBasicAuth",
              show={**_V3, "authentication": ("predefinedCredentialType",)},
              description="The name of any installed credential type"),
    Parameter("genericAuthType", "Generic Auth Type", "options", default="httpBasicAuth",
              show={**_V3, "authentication": ("genericCredentialType",)},
              options=tuple(Option(name, value) for name, value in GENERIC_AUTH_TYPES)),
    *_send_block("Query", "Query Parameters", "queryParameters"),
    *_send_block("Headers", "Headers", "headerParameters"),
    *BODY,
    OPTIONS,
)
