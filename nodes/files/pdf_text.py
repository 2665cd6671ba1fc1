"""Text and metadata of a PDF (pypdf), in the shape n8n's Extract from File gives them."""

from __future__ import annotations

import io
from typing import Any

from engine.errors import NodeOperationError


def read_pdf(content: bytes, password: str | None = None, max_pages: int = 0, join_pages: bool = True) -> dict[str, Any]:
    """{numpages, numrender, info, metadata?, text, version}; `text` is one string (pages
    separated by a blank line) or a list per page. `max_pages` 0 reads every page. Raises
    NodeOperationError for a damaged PDF or a missing/wrong password."""
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(password or ""):
            raise NodeOperationError(
                "The PDF is encrypted and the password is " + ("wrong" if password else "missing"),
                description="Give the PDF's password in the option 'Password'",
            )
        count = len(reader.pages)
        limit = count if not max_pages or max_pages > count else int(max_pages)
        pages = [(reader.pages[index].extract_text() or "") for index in range(limit)]
    except NodeOperationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise NodeOperationError(f"The file is not a readable PDF: {error}") from None
    info: dict[str, Any] = {"PDFFormatVersion": reader.pdf_header.removeprefix("%PDF-")}
    for key, value in (reader.metadata or {}).items():
        info[str(key).lstrip("/")] = str(value)
    return {
        "numpages": count,
        "numrender": count,
        "info": info,
        "text": "\n\n".join(pages) if join_pages else pages,
        "version": f"pypdf {pypdf.__version__}",
    }
