"""HTTP Request v1/v2 parameters (n8n's legacy layout: requestMethod, *ParametersUi,
jsonParameters, responseFormat and a flat `options` collection)."""

from __future__ import annotations

from engine.node_api import Group, Option, Parameter

from .params_v3 import GENERIC_AUTH_TYPES, METHODS

LEGACY_VERSIONS = (1.0, 2.0)
_LEGACY = {"@version": LEGACY_VERSIONS}

# v1 names its credential by an `authentication` value; v2 by generic/predefined type (like v3).
V1_AUTH = (
    ("Basic Auth", "basicAuth", "httpBasicAuth"),
    ("Digest Auth", "digestAuth", "httpDigestAuth"),
    ("Header Auth", "headerAuth", "httpHeaderAuth"),
    ("None", "none", ""),
    ("OAuth1", "oAuth1", "oAuth1Api"),
    ("OAuth2", "oAuth2", "oAuth2Api"),
    ("Query Auth", "queryAuth", "httpQueryAuth"),
)
V1_CREDENTIAL_TYPES = {value: credential for _, value, credential in V1_AUTH}
_MODIFYING = ("PATCH", "POST", "PUT", "DELETE")


def _pairs_ui(name: str, display: str, show: dict[str, tuple[object, ...]]) -> Parameter:
    return Parameter(
        name, display, "fixedCollection", default={}, multiple=True, placeholder="Add Parameter",
        show={**_LEGACY, "jsonParameters": (False,), **show},
        groups=(Group("parameter", "Parameter", (
            Parameter("name", "Name", "string", default=""),
            Parameter("value", "Value", "string", default=""),
        )),),
    )


_OPTIONS = Parameter(
    "options", "Options", "collection", default={}, placeholder="Add Option", show=_LEGACY,
    fields=(
        Parameter("batchInterval", "Batch Interval (ms)", "number", default=1000, type_options={"min": 0}),
        Parameter("batchSize", "Batch Size", "number", default=50, description="-1 sends all items at once"),
        Parameter("bodyContentType", "Body Content Type", "options", default="json", options=(
            Option("JSON", "json"), Option("RAW/Custom", "raw"),
            Option("Form-Data Multipart", "multipart-form-data"), Option("Form Urlencoded", "form-urlencoded"))),
        Parameter("bodyContentCustomMimeType", "MIME Type", "string", default="", placeholder="text/xml",
                  description="The content type of a RAW/Custom body"),
        Parameter("followAllRedirects", "Follow All Redirects", "boolean", default=False,
                  description="Whether to follow redirects of non-GET requests too"),
        Parameter("followRedirect", "Follow GET Redirect", "boolean", default=True),
        Parameter("fullResponse", "Full Response", "boolean", default=False,
                  description="Whether to return headers, status code and body"),
        Parameter("ignoreResponseCode", "Ignore Response Code", "boolean", default=False,
                  description="Whether to succeed even when the status code is not 2xx"),
        Parameter("proxy", "Proxy", "string", default="", placeholder="http://myproxy:3128"),
        Parameter("splitIntoItems", "Split Into Items", "boolean", default=False,
                  description="Whether a JSON array answer becomes one item per element"),
        Parameter("timeout", "Timeout (ms)", "number", default=10000, type_options={"min": 1}),
        Parameter("useQueryString", "Use Querystring", "boolean", default=False,
                  description="Whether arrays in the query are sent as foo=bar&foo=qux (else foo[]=...)"),
    ),
)

LEGACY_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("authentication", "Authentication", "options", default="none", show={"@version": (1.0,)},
              options=tuple(Option(name, value) for name, value, _ in V1_AUTH)),
    Parameter("authentication", "Authentication", "options", default="none", show={"@version": (2.0,)},
              options=(Option("None", "none"), Option("Predefined Credential Type", "predefinedCredentialType"),
                       Option("Generic Credential Type", "genericCredentialType"))),
    Parameter("nodeCredentialType", "Credential Type", "string", default="",
              show={"@version": (2.0,), "authentication": ("predefinedCredentialType",)}),
    Parameter("genericAuthType", "Generic Auth Type", "options", default="httpBasicAuth",
              show={"@version": (2.0,), "authentication": ("genericCredentialType",)},
              options=tuple(Option(name, value) for name, value in GENERIC_AUTH_TYPES)),
    Parameter("requestMethod", "Request Method", "options", default="GET", show=_LEGACY,
              options=tuple(Option(method, method) for method in METHODS)),
    Parameter("url", "URL", "string", default="", required=True, show=_LEGACY),
    Parameter("allowUnauthorizedCerts", "Ignore SSL Issues", "boolean", default=False, show=_LEGACY),
    Parameter("responseFormat", "Response Format", "options", default="json", show=_LEGACY,
              options=(Option("File", "file"), Option("JSON", "json"), Option("String", "string"))),
    Parameter("dataPropertyName", "Property Name", "string", default="data", required=True,
              show={**_LEGACY, "responseFormat": ("file", "string")},
              description="The field to put the answer (text or file) in"),
    Parameter("jsonParameters", "JSON/RAW Parameters", "boolean", default=False, show=_LEGACY,
              description="Whether query, headers and body are given as JSON/RAW text"),
    _OPTIONS,
    Parameter("sendBinaryData", "Send Binary File", "boolean", default=False,
              show={**_LEGACY, "jsonParameters": (True,), "requestMethod": _MODIFYING}),
    Parameter("binaryPropertyName", "Binary Property", "string", default="data",
              show={**_LEGACY, "sendBinaryData": (True,), "jsonParameters": (True,)},
              description='The binary field to send; for Form-Data Multipart "field:binaryField" pairs, '
                          "separated by commas"),
    Parameter("bodyParametersJson", "Body Parameters", "json", default="",
              show={**_LEGACY, "jsonParameters": (True,), "sendBinaryData": (False,)}),
    Parameter("headerParametersJson", "Headers", "json", default="", show={**_LEGACY, "jsonParameters": (True,)}),
    Parameter("queryParametersJson", "Query Parameters", "json", default="",
              show={**_LEGACY, "jsonParameters": (True,)}),
    _pairs_ui("bodyParametersUi", "Body Parameters", {}),
    _pairs_ui("headerParametersUi", "Headers", {}),
    _pairs_ui("queryParametersUi", "Query Parameters", {}),
)
