"""The one folder file nodes may touch (KNOTWORK_FILES_DIR), and reading/writing inside it.

Every path a node is given is resolved (relative paths against the folder, `..` and symlinks
followed) before use; a path that ends up outside the folder is refused with an error naming the
path and the setting. Nothing here reads or writes outside `Services.files.folder`.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from engine.errors import NodeOperationError
from engine.node_api import ExecuteContext

SETTING = "KNOTWORK_FILES_DIR"


def files_folder(ctx: ExecuteContext) -> Path:
    """The resolved folder file nodes may use. Raises NodeOperationError when none is configured."""
    files = getattr(ctx.services, "files", None)
    folder = getattr(files, "folder", None)
    if folder is None:
        raise NodeOperationError(
            f"Reading and writing files is disabled: no files folder is configured ({SETTING})",
            node=ctx.node.name,
        )
    return Path(folder).expanduser().resolve()


def _outside(ctx: ExecuteContext, raw: str, folder: Path, parameter: str) -> NodeOperationError:
    return NodeOperationError(
        f"Access to '{raw}' is not allowed: it is outside the files folder '{folder}'",
        node=ctx.node.name,
        description=f"File nodes may only read and write inside the folder set by {SETTING} "
        f"(parameter '{parameter}'). Symbolic links and '..' are resolved before this check.",
    )


def resolve_path(ctx: ExecuteContext, raw: str, parameter: str) -> Path:
    """`raw` as an absolute, resolved path inside the files folder. Raises NodeOperationError for
    an empty path or one outside the folder (after `..` and symlinks are resolved)."""
    if not str(raw).strip():
        raise NodeOperationError(f"The parameter '{parameter}' is empty: give a file path", node=ctx.node.name)
    folder = files_folder(ctx)
    candidate = Path(os.path.expanduser(str(raw)))
    if not candidate.is_absolute():
        candidate = folder / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(folder):
        raise _outside(ctx, str(raw), folder, parameter)
    return resolved


def glob_files(ctx: ExecuteContext, pattern: str, parameter: str) -> list[Path]:
    """The files matching a glob pattern (`**` included), sorted, each resolved and checked like
    `resolve_path`. Folders are skipped; no match gives an empty list."""
    folder = files_folder(ctx)
    text = os.path.expanduser(str(pattern)).replace("\\", "/")
    if not text.strip():
        raise NodeOperationError(f"The parameter '{parameter}' is empty: give a file path or pattern", node=ctx.node.name)
    if not os.path.isabs(text):
        text = str(folder / text)
    matches = sorted(glob.glob(text, recursive=True))
    if not glob.has_magic(text) and not matches:
        resolve_path(ctx, text, parameter)  # refuse an outside path even when it does not exist
    found: list[Path] = []
    for match in matches:
        resolved = Path(match).resolve()
        if not resolved.is_relative_to(folder):
            raise _outside(ctx, match, folder, parameter)
        if resolved.is_file():
            found.append(Path(match) if Path(match).is_absolute() else resolved)
    return found


def read_bytes(ctx: ExecuteContext, path: Path, shown: str) -> bytes:
    """The content of a file inside the folder; NodeOperationError when missing or unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NodeOperationError(f"The file '{shown}' could not be found", node=ctx.node.name) from None
    except IsADirectoryError:
        raise NodeOperationError(f"'{shown}' is a folder, not a file", node=ctx.node.name) from None
    except PermissionError:
        raise NodeOperationError(f"The file '{shown}' is not readable: permission denied", node=ctx.node.name) from None


def write_bytes(ctx: ExecuteContext, path: Path, content: bytes, shown: str, append: bool = False) -> None:
    """Write (or append) `content` to a file inside the folder, creating its parent folders."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab" if append else "wb") as handle:
            handle.write(content)
    except IsADirectoryError:
        raise NodeOperationError(f"'{shown}' is a folder, not a file", node=ctx.node.name) from None
    except PermissionError:
        raise NodeOperationError(f"The file '{shown}' is not writable: permission denied", node=ctx.node.name) from None
