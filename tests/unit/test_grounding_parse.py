"""Parsing each supported format into located sections, and clear one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from syndgen.errors import InputError
from syndgen.grounding import Section, document_text, parse_bytes, parse_file


def located(sections: list[Section]) -> None:
    text = document_text(sections)
    for section in sections:
        assert text[section.start : section.start + len(section.text)] == section.text


def pdf_bytes(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, page)
    return bytes(pdf.output())


def test_markdown_headings_become_section_paths() -> None:
    text = """---
title: front matter is dropped
---
Intro before any heading.

# Guide
Welcome, see [the portal](https://example.com) and ![logo](logo.png).

## Setup ##
```bash
# not a heading inside a fence
make install
```

### Step one
Do this.

## Usage
Use it.
<!-- a comment -->
"""
    sections = parse_bytes(text.encode(), "markdown")
    assert [(s.section, s.text) for s in sections] == [
        (None, "Intro before any heading."),
        ("Guide", "Welcome, see the portal and logo."),
        ("Guide > Setup", "```bash\n# not a heading inside a fence\nmake install\n```"),
        ("Guide > Setup > Step one", "Do this."),
        ("Guide > Usage", "Use it."),
    ]
    located(sections)


def test_html_drops_chrome_and_splits_at_headings() -> None:
    html = b"""<html><head><title>T</title><style>p {color: red}</style></head><body>
    <nav>Home | Shop</nav><script>var x = 1;</script>
    <h1>Manual</h1><p>Read   this
    first.</p>
    <h2>Specs</h2><ul><li>Weight: 2 kg</li><li>Colour: <b>blue</b></li></ul>
    <table><tr><th>Code</th><th>Meaning</th></tr><tr><td>E1</td><td>No power</td></tr></table>
    <h2>Code</h2><pre>line 1
  line 2</pre><!-- hidden comment -->
    </body></html>"""
    sections = parse_bytes(html, "html")
    assert [(s.section, s.text) for s in sections] == [
        ("Manual", "Read this first."),
        ("Manual > Specs", "Weight: 2 kg\n\nColour: blue\n\nCode | Meaning\n\nE1 | No power"),
        ("Manual > Code", "line 1\n  line 2"),
    ]
    located(sections)


def test_docx_heading_styles_become_sections(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Handbook", style="Title")
    document.add_paragraph("Opening words.")
    document.add_paragraph("Benefits", style="Heading 1")
    document.add_paragraph("Pension", style="Heading 2")
    document.add_paragraph("The company pays 5 percent.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Plan", "Rate"
    table.cell(1, 0).text, table.cell(1, 1).text = "Basic", "5%"
    path = tmp_path / "handbook.docx"
    document.save(str(path))
    sections = parse_file(path)
    assert [(s.section, s.text) for s in sections] == [
        ("Handbook", "Opening words."),
        ("Handbook > Benefits > Pension", "The company pays 5 percent.\n\nPlan | Rate\n\nBasic | 5%"),
    ]
    located(sections)


def test_pdf_pages_are_numbered(tmp_path: Path) -> None:
    path = tmp_path / "two.pdf"
    path.write_bytes(pdf_bytes(["First page text.", "Second page text."]))
    sections = parse_file(path)
    assert [(s.page, s.text) for s in sections] == [(1, "First page text."), (2, "Second page text.")]
    located(sections)


def test_pdf_locked_only_by_an_owner_password_is_read(tmp_path: Path) -> None:
    source = tmp_path / "plain.pdf"
    source.write_bytes(pdf_bytes(["Readable without a password."]))
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "restricted.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    assert parse_file(path)[0].text == "Readable without a password."


def test_text_files_fall_back_to_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Caf\u00e9 prices \u2013 2024\r\n\r\n\r\n\r\nNext".encode("cp1252"))
    assert parse_file(path) == [Section("Caf\u00e9 prices \u2013 2024\n\nNext")]
    path.write_bytes("# Title\nUTF-16 text".encode("utf-16"))
    assert parse_file(path) == [Section("# Title\nUTF-16 text")]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.md", b"", "empty file"),
        ("blank.txt", b"  \n\n \t", "empty file"),
        ("binary.txt", b"\x00\x01\x02abc", "binary content, not text"),
        ("random.pdf", bytes(range(256)) * 8, "not a readable PDF"),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj\n<<", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable DOCX"),
        (
            "notes.rtf",
            b"{\\rtf1 hello}",
            "unsupported file type '.rtf' (supported: .docx, .htm, .html, .markdown",
        ),
        ("empty.html", b"<html><body><script>x()</script></body></html>", "no text"),
    ],
)
def test_bad_files_raise_one_line_input_errors(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message


def test_encrypted_and_scanned_pdfs_say_what_to_do(tmp_path: Path) -> None:
    source = tmp_path / "plain.pdf"
    source.write_bytes(pdf_bytes(["Secret text."]))
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="pw", owner_password="owner", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as handle:
        writer.write(handle)
    with pytest.raises(InputError, match=r"locked\.pdf: encrypted PDF: decrypt it first"):
        parse_file(locked)
    scanned = tmp_path / "scanned.pdf"
    blank = FPDF()
    blank.add_page()
    scanned.write_bytes(bytes(blank.output()))
    with pytest.raises(InputError, match=r"no extractable text \(scanned PDF\?"):
        parse_file(scanned)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the file"):
        parse_file(tmp_path / "gone.md")
