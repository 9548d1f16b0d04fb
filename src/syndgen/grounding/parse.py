"""Parse a document file into located sections of plain text.

One function per format turns the file's bytes into ``(text, page, section)`` blocks; the shared
``_located`` step cleans the text and gives every block its ``start`` offset in the document's
extracted text, which is the sections' texts joined by :data:`SECTION_SEP`
(:func:`document_text`). Chunk offsets refer to that string.

- PDF (pypdf): one section per page, ``page`` is 1-based. Encrypted files are read only when the
  empty password opens them.
- Markdown: ATX headings (``#`` .. ``######``) start sections; ``section`` is the heading path
  ("Leave policy > Sick leave"). Headings inside fenced code are ignored; link markup is reduced to
  the link text.
- HTML (BeautifulSoup): ``script``/``style``/``nav`` and similar are dropped, ``h1``-``h6`` start
  sections, block elements become paragraphs.
- DOCX (python-docx): paragraphs and tables in order; "Heading N" and "Title" styles start sections.
- Plain text: one section.

Every problem with a file (unsupported type, unreadable, corrupt, encrypted, empty) raises
:class:`~syndgen.errors.InputError` with one line naming the file and the problem.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndgen.errors import InputError

SECTION_SEP = "\n\n"
"""What joins the sections' texts into the document's extracted text."""

_KINDS = {
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}
SUPPORTED_SUFFIXES = frozenset(_KINDS)


@dataclass(frozen=True, slots=True)
class Section:
    """A block of a document's text and where it came from."""

    text: str
    page: int | None = None
    """1-based page number (PDF only)."""
    section: str | None = None
    """Heading path such as "Expenses > Travel", or None before the first heading."""
    start: int = 0
    """Offset of ``text`` in the document's extracted text (:func:`document_text`)."""


Block = tuple[str, int | None, str | None]


def document_text(sections: Iterable[Section]) -> str:
    """The document's extracted text: the sections' texts joined by :data:`SECTION_SEP`."""
    return SECTION_SEP.join(section.text for section in sections)


def is_supported(path: Path) -> bool:
    """Whether ``path`` has a file extension the parser reads."""
    return path.suffix.lower() in _KINDS


def kind_of(path: Path) -> str:
    """The document kind of a file by its extension; InputError naming the supported ones if none."""
    kind = _KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"unsupported file type {path.suffix or '(no extension)'!r}",
            hint=f"supported: {', '.join(sorted(_KINDS))}",
        )
    return kind


def parse_file(path: Path) -> list[Section]:
    """Parse one file into sections; raises InputError naming the file for every problem."""
    try:
        kind = kind_of(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror or exc}") from exc
        return parse_bytes(data, kind)
    except InputError as exc:
        raise InputError(f"{path}: {exc.message}", hint=exc.hint) from exc


def parse_bytes(data: bytes, kind: str) -> list[Section]:
    """Parse a file's content of the given kind (``pdf``, ``markdown``, ``html``, ``docx``, ``text``)."""
    if not data.strip():
        raise InputError("empty file")
    parser = _PARSERS.get(kind)
    if parser is None:
        raise InputError(f"unknown document kind {kind!r}", hint=f"use one of {sorted(_PARSERS)}")
    sections = _located(parser(data))
    if not sections:
        problem = "no extractable text (scanned PDF? run OCR first)" if kind == "pdf" else "no text"
        raise InputError(problem)
    return sections


def _located(blocks: Iterable[Block]) -> list[Section]:
    sections: list[Section] = []
    offset = 0
    for raw, page, name in blocks:
        text = clean_text(raw)
        if not text:
            continue
        sections.append(Section(text=text, page=page, section=name, start=offset))
        offset += len(text) + len(SECTION_SEP)
    return sections


def clean_text(text: str) -> str:
    """Normalise line ends, drop control characters and trailing spaces, squeeze blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    # Trailing blanks per line, in linear time (the regex ``[ \t]+\n`` is quadratic on a long run
    # of blanks with no line end after it: each start in the run rescans the rest of it).
    text = "\n".join(line.rstrip(" \t\u00a0") for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252.

    Content with NUL bytes (and no UTF-16 BOM) is refused as binary.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError("invalid UTF-16 text") from exc
    if b"\x00" in data[:8192]:
        raise InputError("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", hint="convert the file to UTF-8") from exc


# --- plain text and Markdown ------------------------------------------------------------------

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n(?:---|\.\.\.)\n", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _parse_text(data: bytes) -> list[Block]:
    return [(decode_text(data), None, None)]


def _parse_markdown(data: bytes) -> list[Block]:
    return markdown_blocks(decode_text(data))


def markdown_blocks(text: str) -> list[Block]:
    """Split Markdown into ``(body, None, heading path)`` blocks (pure)."""
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"), count=1)
    text = _COMMENT.sub("", text)
    path: list[tuple[int, str]] = []
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    fence: str | None = None
    for line in text.split("\n"):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
        heading = None if fence else _HEADING.match(line)
        if heading is None:
            blocks[-1][1].append(line)
            continue
        level = len(heading.group(1))
        title = _inline_markdown(heading.group(2)).strip("*_` ")
        path = [item for item in path if item[0] < level] + [(level, title)]
        blocks.append((" > ".join(name for _, name in path), []))
    return [(_inline_markdown("\n".join(lines)), None, name) for name, lines in blocks]


def _inline_markdown(text: str) -> str:
    return _LINK.sub(r"\1", _IMAGE.sub(r"\1", text))


# --- HTML -------------------------------------------------------------------------------------

_DROP = ["script", "style", "nav", "noscript", "template", "svg", "iframe", "head", "form", "button"]
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCK_TEXT = (
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption figure footer "
    "header hr li main ol p section summary table tbody tfoot thead tr ul"
)
_BLOCK_TAGS = frozenset(_BLOCK_TEXT.split())


class _HtmlCollector:
    """Accumulates text into paragraphs and paragraphs into heading sections."""

    def __init__(self) -> None:
        self.path: list[tuple[int, str]] = []
        self.blocks: list[Block] = []
        self.name: str | None = None
        self.paragraphs: list[str] = []
        self.inline: list[str] = []

    def text(self, value: str) -> None:
        self.inline.append(value)

    def paragraph(self, raw: str | None = None) -> None:
        joined = re.sub(r"\s+", " ", "".join(self.inline)).strip()
        joined = re.sub(r"^\|\s*", "", joined)  # a table row starts with a cell separator
        if joined:
            self.paragraphs.append(joined)
        self.inline = []
        if raw and raw.strip():
            self.paragraphs.append(raw.strip("\n"))

    def heading(self, level: int, title: str) -> None:
        self.finish()
        self.path = [item for item in self.path if item[0] < level] + [(level, title)]
        self.name = " > ".join(name for _, name in self.path)

    def finish(self) -> None:
        self.paragraph()
        if self.paragraphs:
            self.blocks.append(("\n\n".join(self.paragraphs), None, self.name))
        self.paragraphs = []


def _visit_tag(node: Any, entering: bool, collector: _HtmlCollector, stack: list[tuple[Any, bool]]) -> None:
    """One element of the walk: headings, preformatted text, breaks, cells and block edges."""
    name = node.name
    if name in _HEADINGS:
        collector.heading(_HEADINGS[name], re.sub(r"\s+", " ", node.get_text(" ")).strip())
    elif name == "pre":
        collector.paragraph(node.get_text())
    elif name == "br":
        collector.text("\n")
    elif name in ("td", "th"):
        collector.text(" | ")
        stack.extend((child, True) for child in reversed(list(node.children)))
    elif entering:
        if name in _BLOCK_TAGS:
            collector.paragraph()
            stack.append((node, False))
        stack.extend((child, True) for child in reversed(list(node.children)))
    else:
        collector.paragraph()


def _parse_html(data: bytes) -> list[Block]:
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(data, "lxml")
    for tag in soup(_DROP):
        tag.decompose()
    collector = _HtmlCollector()
    stack: list[tuple[Any, bool]] = [(soup.body or soup, True)]
    while stack:
        node, entering = stack.pop()
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:  # comments, doctypes and CDATA are subclasses
                collector.text(str(node))
        elif isinstance(node, Tag):
            _visit_tag(node, entering, collector, stack)
    collector.finish()
    return collector.blocks


# --- DOCX -------------------------------------------------------------------------------------

_DOCX_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    SyntaxError,
    zlib.error,
)
"""SyntaxError covers lxml's XMLSyntaxError for a damaged XML part."""


def _parse_docx(data: bytes) -> list[Block]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    errors: tuple[type[BaseException], ...] = (PackageNotFoundError, *_DOCX_ERRORS)
    try:
        document = docx.Document(io.BytesIO(data))
    except errors as exc:
        raise InputError("not a readable DOCX file (corrupt, or an old binary .doc?)") from exc
    path: list[tuple[int, str]] = []
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks[-1][1].extend(_table_rows(item))
            continue
        text = item.text.strip()
        level = _heading_level(item.style.name if item.style is not None else "")
        if level is None or not text:
            blocks[-1][1].append(text)
            continue
        path = [entry for entry in path if entry[0] < level] + [(level, text)]
        blocks.append((" > ".join(name for _, name in path), []))
    return [("\n\n".join(part for part in parts if part), None, name) for name, parts in blocks]


def _heading_level(style: str) -> int | None:
    if style == "Title":
        return 0
    match = re.fullmatch(r"Heading ([1-9])", style or "")
    return int(match.group(1)) if match else None


def _table_rows(table: Any) -> list[str]:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            value = cell.text.strip()
            if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                cells.append(value)
        if cells:
            rows.append(" | ".join(cells))
    return rows


# --- PDF --------------------------------------------------------------------------------------


def _parse_pdf(data: bytes) -> list[Block]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    errors: tuple[type[BaseException], ...] = (PyPdfError, ValueError, KeyError, IndexError, TypeError)
    errors += (AttributeError, struct.error, zlib.error)
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except errors as exc:
        raise InputError(f"not a readable PDF (corrupt or truncated?): {_first_line(exc)}") from exc
    if encrypted and not _open_with_empty_password(reader):
        hint = "e.g. qpdf --decrypt --password=PASS in.pdf out.pdf"
        raise InputError("encrypted PDF: decrypt it first", hint=hint)
    try:
        return [(page.extract_text() or "", number, None) for number, page in enumerate(reader.pages, 1)]
    except errors as exc:
        raise InputError(f"not a readable PDF (corrupt or truncated?): {_first_line(exc)}") from exc


def _open_with_empty_password(reader: Any) -> bool:
    """Owner-password-only PDFs open with the empty user password; anything else stays locked."""
    from pypdf import PasswordType
    from pypdf.errors import PyPdfError

    try:
        return bool(reader.decrypt("") != PasswordType.NOT_DECRYPTED)
    except (PyPdfError, ValueError, KeyError, NotImplementedError):
        return False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__


_PARSERS: dict[str, Callable[[bytes], list[Block]]] = {
    "pdf": _parse_pdf,
    "markdown": _parse_markdown,
    "text": _parse_text,
    "html": _parse_html,
    "docx": _parse_docx,
}
