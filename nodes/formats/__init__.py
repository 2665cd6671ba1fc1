"""Format nodes: dates, hashing, XML, HTML and feeds."""

from __future__ import annotations

from engine.credential_types import CredentialType
from engine.node_api import NodeType

from .crypto import CRYPTO_CREDENTIAL, CryptoNode
from .date_time import DateTimeNode
from .html_extract_node import HtmlExtractNode
from .html_node import HtmlNode
from .rss_read import RssFeedRead
from .rss_trigger import RssFeedReadTrigger
from .xml_node import XmlNode

NODE_TYPES: list[type[NodeType]] = [DateTimeNode, CryptoNode, XmlNode, HtmlNode, HtmlExtractNode, RssFeedRead,
                                    RssFeedReadTrigger]
# Credential types these nodes use (to be registered in the `knotwork.credentials` group).
CREDENTIAL_TYPES: list[CredentialType] = [CRYPTO_CREDENTIAL]
