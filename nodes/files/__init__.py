"""File nodes: converting items to and from files, compression, and files on disk."""

from __future__ import annotations

from engine.node_api import NodeType

from .compression import Compression
from .convert_to_file import ConvertToFile
from .extract_from_file import ExtractFromFile
from .legacy_disk import ReadBinaryFile, ReadBinaryFiles, WriteBinaryFile
from .read_write import ReadWriteFile

NODE_TYPES: list[type[NodeType]] = [
    ConvertToFile,
    ExtractFromFile,
    Compression,
    ReadWriteFile,
    ReadBinaryFile,
    ReadBinaryFiles,
    WriteBinaryFile,
]
