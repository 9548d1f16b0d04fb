"""Ingest, re-ingest, failures and retrieval quality over a small labelled corpus built at test time.

The corpus covers distinct topics of a fictional company (leave policy, travel expenses, lab
safety, a thermostat manual, IT onboarding, office facilities, remote work) in every supported
format. Each question is labelled with its source file and a phrase of the passage that answers it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from syndgen.embed import get_embedder
from syndgen.errors import ConfigError, InputError
from syndgen.grounding import (
    ChunkParams,
    HybridRetriever,
    doc_keywords,
    document_text,
    ingest,
    open_index,
    parse_file,
)

LEAVE_MD = """\
# Northwind Traders leave policy

This policy applies to all permanent employees of Northwind Traders. Part-time staff receive leave
pro rata to their contracted hours.

## Annual leave

Every employee accrues 25 days of paid annual leave per calendar year, plus public holidays.
Leave accrues monthly from the first day of employment.

Up to 5 unused days may be carried over into the next year. Carried-over days must be taken before
31 March; any carried-over days left after that date are forfeited.

### Requesting leave

Requests are made in the Harbor HR portal at least 4 weeks before the first day of leave for
absences longer than one week, and at least 3 working days before for shorter absences. The line
manager approves or declines a request within 5 working days.

## Sick leave

Employees receive 10 days of sick leave at full pay each year. Report an absence to your line
manager before 10:00 on the first day. A medical certificate is required from the fourth
consecutive calendar day of absence.

## Parental leave

The birth parent is entitled to 16 weeks of parental leave at full pay. The other parent receives
6 weeks at full pay, which can be taken at any time in the first year after the birth or adoption.

## Bereavement leave

After the death of a close family member, employees may take up to 5 days of paid bereavement
leave. For other relatives one day is granted for the funeral.
"""

REMOTE_MD = """\
# Remote work guidelines

## Eligibility

Employees who have completed their six-month probation period may work remotely up to three days
per week. Roles that require on-site equipment, such as laboratory technicians, are excluded.

## Equipment and allowance

The company provides a laptop, a monitor and a headset. A one-time home office allowance of 400
euros covers a chair or desk; claim it within 60 days of your remote work start date.

## Working hours

Core hours are 10:00 to 15:00 in the employee's local time zone. Outside core hours employees may
organise their day freely, provided that they are reachable on the team chat.

## Security at home

Work only on company devices, lock the screen when you step away, and never print confidential
documents at home. Public Wi-Fi may only be used together with the company VPN.
"""

FACILITIES_TXT = """\
Office facilities at the Rotterdam headquarters

The cafeteria on the ground floor is open from 07:30 to 15:00 on working days. Breakfast is served
until 09:30 and a hot lunch from 11:45. Employees pay with their badge; the amount is deducted
from the monthly salary.

Parking permits are issued by the reception desk. The garage under the building has 120 spaces,
of which 12 have electric vehicle chargers. Charging is free for the first four hours.

A covered bicycle storage with 200 places is located behind the building, next to the showers.

Meeting rooms are booked through the Roomba calendar. Rooms for more than twelve people need the
approval of the office manager, Henk de Vries.
"""

THERMOSTAT_HTML = """\
<!DOCTYPE html>
<html><head><title>Aurora T3 manual</title><style>body { font-family: sans-serif; }</style>
<script>console.log("analytics");</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/support">Support</a> | <a href="/shop">Shop</a></nav>
<h1>Aurora T3 smart thermostat</h1>
<p>Thank you for choosing the Aurora T3. This manual explains installation, pairing and daily use.</p>
<h2>Installation</h2>
<p>The Aurora T3 needs a 24 V common wire (C-wire) from the heating system. Switch off the power at
the breaker before you remove the old thermostat. Mount the back plate at 1.5 metres above the
floor, away from radiators and direct sunlight.</p>
<h2>Pairing with the app</h2>
<p>Install the Aurora Home app and tap <b>Add device</b>. The thermostat shows a 6-digit pairing
code on its display; enter it in the app within two minutes.</p>
<h2>Eco mode</h2>
<p>In eco mode the thermostat lowers the target temperature by 2 degrees while nobody is at home.
Presence is detected through the phones that are paired with the app.</p>
<h2>Troubleshooting</h2>
<h3>Error codes</h3>
<ul>
<li>E1: no power from the C-wire. Check the breaker and the wiring.</li>
<li>E4: temperature sensor fault. Contact support for a replacement.</li>
</ul>
<h3>Factory reset</h3>
<p>Hold the dial pressed for 10 seconds until the ring turns red. All schedules and the Wi-Fi
settings are erased.</p>
<h2>Battery and warranty</h2>
<p>A CR2032 coin cell keeps the clock running during power cuts; replace it every two years. The
Aurora T3 carries a warranty of 2 years from the date of purchase.</p>
<footer>Copyright Aurora Devices</footer>
</body></html>
"""

ONBOARDING_DOCX: list[tuple[str | None, str]] = [
    ("Title", "IT onboarding guide"),
    (None, "Welcome to Northwind Traders. This guide lists what IT sets up in your first week."),
    ("Heading 1", "Your laptop"),
    (
        None,
        "Collect your laptop from the IT service desk on the second floor on your first day. "
        "Bring your badge; the laptop is registered to your name.",
    ),
    ("Heading 1", "Passwords and sign-in"),
    (
        None,
        "Passwords must have at least 14 characters. You will be asked to choose a new password "
        "every 180 days, and the last 10 passwords cannot be reused.",
    ),
    ("Heading 2", "Multi-factor authentication"),
    (
        None,
        "Sign-in to email and the VPN requires a second factor. Install the Authenticator app on "
        "your phone and scan the QR code shown at your first sign-in.",
    ),
    ("Heading 1", "Getting help"),
    (
        None,
        "Open a ticket in the ServiceNest portal or call extension 4040. Urgent problems outside "
        "office hours go to the on-call engineer.",
    ),
]

EXPENSES_PDF = [
    [
        "Travel and expense policy",
        "Flights: book economy class for flights under six hours. Business class is allowed for "
        "flights of six hours or more, with the written approval of a vice president.",
        "Hotels: the nightly hotel limit is 220 US dollars, or 320 US dollars in London, New York "
        "and Tokyo. Book through the corporate travel desk to use negotiated rates.",
        "Meals: a daily meal allowance of 75 US dollars applies on travel days. Alcohol is not reimbursed.",
    ],
    [
        "Claims and approval",
        "Submit every expense claim in the LedgerLine system within 30 days of the end of the trip. "
        "Attach an itemised receipt for every expense above 25 US dollars.",
        "Claims up to 5,000 US dollars are approved by the line manager. Larger claims also need the "
        "approval of the finance director, Dana Whitfield.",
        "Private car use is reimbursed at 0.58 US dollars per mile. Reimbursements are paid with the "
        "next monthly salary.",
    ],
]

LAB_PDF = [
    [
        "Laboratory safety guide",
        "Personal protective equipment: safety goggles and a buttoned lab coat are required at all "
        "times in the laboratory. Wear nitrile gloves when handling solvents.",
        "Fume hoods: work with volatile chemicals only inside a fume hood. Keep the sash below the "
        "marked line; the face velocity must be at least 100 feet per minute.",
    ],
    [
        "Emergencies",
        "Chemical splash in the eyes: rinse at the eyewash station for at least 15 minutes, holding "
        "the eyelids open, then seek medical attention.",
        "Spills: spill kits are located next to each exit. Report every incident to the lab safety "
        "officer, Dr. Priya Raman, within 24 hours.",
        "Working alone: after 18:00 and on weekends nobody may work alone in the laboratory; use the "
        "buddy system and sign the out-of-hours register.",
        "Waste: label chemical waste containers with the contents and the date. Waste is collected "
        "every Thursday.",
    ],
]

# (question, source file, phrase of the passage that answers it)
QUESTIONS: list[tuple[str, str, str]] = [
    ("How many days of paid holiday do employees get per year?", "leave_policy.md", "25 days of paid annual"),
    ("Until when can carried-over vacation days be used?", "leave_policy.md", "31 March"),
    ("Where do I submit a holiday request and how early?", "leave_policy.md", "Harbor HR portal"),
    ("When do I need a doctor's note for being ill?", "leave_policy.md", "medical certificate"),
    ("How long is maternity leave for the birth parent?", "leave_policy.md", "16 weeks"),
    ("How much time off is given when a close relative dies?", "leave_policy.md", "bereavement"),
    ("Who can work from home and how often?", "remote/remote_work.md", "three days"),
    ("Is there money for a desk or chair at home?", "remote/remote_work.md", "400"),
    ("What are the core working hours?", "remote/remote_work.md", "Core hours"),
    ("Can I use the wifi in a coffee shop for work?", "remote/remote_work.md", "Public Wi-Fi"),
    ("When is the canteen open?", "facilities.txt", "07:30 to 15:00"),
    ("How many electric car charging spots are in the garage?", "facilities.txt", "chargers"),
    ("Who approves booking a large meeting room?", "facilities.txt", "Henk de Vries"),
    ("What wiring does the thermostat need?", "aurora_t3.html", "C-wire"),
    ("How do I connect the thermostat to my phone?", "aurora_t3.html", "pairing"),
    ("What does error E4 mean?", "aurora_t3.html", "E4"),
    ("How do I reset the thermostat to factory settings?", "aurora_t3.html", "10 seconds"),
    ("Which battery does the Aurora use?", "aurora_t3.html", "CR2032"),
    ("How much does eco mode lower the temperature?", "aurora_t3.html", "2 degrees"),
    ("How long must passwords be?", "onboarding.docx", "14 characters"),
    ("Where do I pick up my laptop on day one?", "onboarding.docx", "IT service desk"),
    ("How do I set up two-factor login?", "onboarding.docx", "Authenticator app"),
    ("Can I fly business class?", "expenses.pdf", "Business class"),
    ("What is the maximum hotel rate per night in London?", "expenses.pdf", "320"),
    ("How much can I spend on food per day when travelling?", "expenses.pdf", "75 US dollars"),
    ("What is the deadline for submitting an expense report?", "expenses.pdf", "within 30 days"),
    ("Who must approve an expense claim over 5000 dollars?", "expenses.pdf", "Dana Whitfield"),
    ("What is the mileage rate for using my own car?", "expenses.pdf", "0.58"),
    ("What protective gear is mandatory in the lab?", "lab_safety.pdf", "goggles"),
    ("What airflow is required in a fume hood?", "lab_safety.pdf", "100 feet per minute"),
    ("What should I do if a chemical gets in my eyes?", "lab_safety.pdf", "15 minutes"),
    ("Who do I report a lab accident to?", "lab_safety.pdf", "Priya Raman"),
    ("Can I work alone in the lab in the evening?", "lab_safety.pdf", "buddy system"),
]


def write_pdf(path: Path, pages: Sequence[Sequence[str]]) -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(4)
    pdf.output(str(path))


def write_docx(path: Path, blocks: Sequence[tuple[str | None, str]]) -> None:
    document = docx.Document()
    for style, text in blocks:
        document.add_paragraph(text, style=style)
    document.save(str(path))


def build_corpus(root: Path) -> Path:
    """The labelled corpus in ``root/docs`` (one subfolder, one hidden file that must be skipped)."""
    docs = root / "docs"
    (docs / "remote").mkdir(parents=True)
    (docs / "leave_policy.md").write_text(LEAVE_MD, encoding="utf-8")
    (docs / "remote" / "remote_work.md").write_text(REMOTE_MD, encoding="utf-8")
    (docs / "facilities.txt").write_text(FACILITIES_TXT, encoding="utf-8")
    (docs / "aurora_t3.html").write_text(THERMOSTAT_HTML, encoding="utf-8")
    (docs / ".notes.md").write_text("# Hidden\nnot to be indexed\n", encoding="utf-8")
    (docs / "readme.rst").write_text("not a supported type inside a folder\n", encoding="utf-8")
    write_docx(docs / "onboarding.docx", ONBOARDING_DOCX)
    write_pdf(docs / "expenses.pdf", EXPENSES_PDF)
    write_pdf(docs / "lab_safety.pdf", LAB_PDF)
    return docs


class CountingEmbedder:
    """Wraps the real embedder and counts what it is asked to encode."""

    def __init__(self) -> None:
        self.inner = get_embedder()
        self.calls = 0
        self.texts = 0

    @property
    def name(self) -> str:
        return self.inner.name

    def encode(self, texts: Sequence[str]) -> Any:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.encode(texts)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The corpus ingested once into an index shared by the read-only tests."""
    index_dir = tmp_path_factory.mktemp("shared") / "index"
    report = ingest([corpus], index_dir)
    assert not report.failed
    return corpus, index_dir


def relative(source: str, corpus: Path) -> str:
    return Path(source).relative_to(corpus).as_posix()


def test_ingest_indexes_every_supported_file_and_skips_hidden(built: tuple[Path, Path]) -> None:
    corpus, index_dir = built
    index = open_index(index_dir)
    sources = sorted(relative(source, corpus) for source in index.manifest.files)
    assert sources == [
        "aurora_t3.html",
        "expenses.pdf",
        "facilities.txt",
        "lab_safety.pdf",
        "leave_policy.md",
        "onboarding.docx",
        "remote/remote_work.md",
    ]
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["index_version"] == 1
    assert manifest["embedder"] == "minilm"
    assert manifest["chunker"]["max_tokens"] == 200
    entry = next(iter(manifest["files"].values()))
    assert {"sha256", "mtime", "size", "doc_id", "chunk_ids"} <= set(entry)
    assert index.vectors.shape == (len(index.chunks), 384)
    names = sorted(path.name for path in index_dir.iterdir())
    assert names == ["bm25-000001", "chunks-000001.parquet", "manifest.json", "vectors-000001.npy"]


def test_chunks_are_located_in_their_documents(built: tuple[Path, Path]) -> None:
    _, index_dir = built
    index = open_index(index_dir)
    for source, entry in index.manifest.files.items():
        text = document_text(parse_file(Path(source)))
        chunks = index.document_chunks(entry.doc_id)
        assert [chunk.chunk_id for chunk in chunks] == list(entry.chunk_ids)
        for chunk in chunks:
            assert text[chunk.start : chunk.end] == chunk.text
    pages = {chunk.page for chunk in index.chunks if chunk.source.endswith("lab_safety.pdf")}
    assert pages == {1, 2}
    sections = {chunk.section for chunk in index.chunks if chunk.source.endswith("leave_policy.md")}
    assert "Northwind Traders leave policy > Annual leave > Requesting leave" in sections


def test_retrieval_recall_at_5(built: tuple[Path, Path]) -> None:
    corpus, index_dir = built
    retriever = HybridRetriever(open_index(index_dir))
    found = 0
    misses = []
    started = time.perf_counter()
    for question, source, phrase in QUESTIONS:
        hits = retriever.search(question, k=5)
        assert len(hits) == 5
        assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
        if any(relative(hit.chunk.source, corpus) == source and phrase in hit.chunk.text for hit in hits):
            found += 1
        else:
            misses.append(question)
    elapsed = time.perf_counter() - started
    recall = found / len(QUESTIONS)
    per_query = elapsed / len(QUESTIONS) * 1000
    print(f"\nrecall@5 = {recall:.3f} ({found}/{len(QUESTIONS)}), {per_query:.1f} ms/query")
    assert len(QUESTIONS) >= 20
    assert recall >= 0.9, f"missed: {misses}"


def test_search_is_deterministic_and_reports_both_scores(built: tuple[Path, Path]) -> None:
    _, index_dir = built
    retriever = HybridRetriever(open_index(index_dir))
    first = retriever.search("fume hood airflow", k=8)
    second = retriever.search("fume hood airflow", k=8)
    assert [hit.chunk.chunk_id for hit in first] == [hit.chunk.chunk_id for hit in second]
    assert first[0].bm25 > 0 and first[0].dense > 0
    assert retriever.search("zzzz qqqq", k=3)  # no shared term: dense ranking alone
    assert retriever.search("anything", k=0) == []


def test_dense_weight_is_validated(built: tuple[Path, Path]) -> None:
    _, index_dir = built
    with pytest.raises(ConfigError, match="dense_weight"):
        HybridRetriever(open_index(index_dir), dense_weight=1.5)


def test_doc_keywords(built: tuple[Path, Path]) -> None:
    _, index_dir = built
    index = open_index(index_dir)
    ids = {Path(source).name: doc_id for doc_id, source in index.documents().items()}
    keywords = doc_keywords(index, ids["lab_safety.pdf"], n=8)
    assert len(keywords) == 8
    assert any("lab" in keyword or "chemical" in keyword for keyword in keywords), keywords
    leave = doc_keywords(index, ids["leave_policy.md"], n=5)
    assert any("leave" in keyword for keyword in leave), leave
    with pytest.raises(InputError, match="not in the index"):
        doc_keywords(index, "000000000000")


def test_open_missing_index_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="syndgen ingest PATH --index DIR"):
        open_index(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="syndgen ingest PATH --index DIR"):
        open_index(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    with pytest.raises(InputError, match="invalid"):
        open_index(tmp_path / "bad")


def test_bad_files_are_reported_and_the_rest_is_indexed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.md").write_text("# Good\nThe quarterly report is due on the fifth working day.\n")
    (docs / "corrupt.pdf").write_bytes(bytes(range(256)) * 20)
    (docs / "empty.txt").write_bytes(b"")
    write_pdf(docs / "plain.pdf", [["The library opens at nine and closes at five."]])
    writer = PdfWriter(clone_from=PdfReader(docs / "plain.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with open(docs / "locked.pdf", "wb") as handle:
        writer.write(handle)
    scanned = FPDF()
    scanned.add_page()
    scanned.output(str(docs / "scanned.pdf"))
    report = ingest([docs, tmp_path / "missing.md"], tmp_path / "index")
    failed = dict(report.failed)
    assert sorted(Path(path).name for path in failed) == [
        "corrupt.pdf",
        "empty.txt",
        "locked.pdf",
        "missing.md",
        "scanned.pdf",
    ]
    by_name = {Path(path).name: message for path, message in failed.items()}
    assert "not a readable PDF" in by_name["corrupt.pdf"]
    assert "encrypted PDF: decrypt it first" in by_name["locked.pdf"]
    assert by_name["empty.txt"] == "empty file"
    assert "no extractable text" in by_name["scanned.pdf"]
    assert by_name["missing.md"] == "no such file or folder"
    assert sorted(Path(path).name for path in report.added) == ["good.md", "plain.pdf"]
    assert all("\n" not in message for message in failed.values())
    assert {Path(chunk.source).name for chunk in open_index(tmp_path / "index").chunks} == {
        "good.md",
        "plain.pdf",
    }


def test_reingest_is_incremental(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Alpha\nAlpha widgets are blue and cost 12 euros each.\n")
    (docs / "b.md").write_text("# Beta\nBeta gadgets are green and weigh 3 kilograms.\n")
    (docs / "c.txt").write_text("Gamma gizmos ship within 2 weeks of the order.\n")
    index_dir = tmp_path / "index"
    embedder = CountingEmbedder()
    first = ingest([docs], index_dir, embedder=embedder)
    assert (len(first.added), first.index_version, first.embedded) == (3, 1, 3)
    ids_before = {chunk.chunk_id for chunk in open_index(index_dir).chunks}

    embedder.calls = 0
    again = ingest([docs], index_dir, embedder=embedder)
    assert embedder.calls == 0
    assert (again.added, again.updated, again.removed, again.changed) == ([], [], [], False)
    assert (len(again.unchanged), again.index_version) == (3, 1)

    (docs / "b.md").write_text("# Beta\nBeta gadgets are now red and weigh 4 kilograms.\n")
    changed = ingest([docs], index_dir, embedder=embedder)
    assert [Path(path).name for path in changed.updated] == ["b.md"]
    assert (changed.added, changed.index_version, changed.embedded) == ([], 2, 1)
    index = open_index(index_dir)
    texts = " ".join(chunk.text for chunk in index.chunks)
    assert "red" in texts and "green" not in texts
    ids_after = {chunk.chunk_id for chunk in index.chunks}
    assert len(ids_before & ids_after) == 2  # a.md and c.txt keep their chunk ids

    (docs / "c.txt").rename(docs / "renamed.txt")
    (docs / "a.md").unlink()
    moved = ingest([docs], index_dir, embedder=embedder)
    assert [Path(path).name for path in moved.removed] == ["a.md", "c.txt"]
    assert [Path(path).name for path in moved.added] == ["renamed.txt"]
    assert (moved.embedded, moved.index_version, moved.chunks_total) == (0, 3, 2)
    assert sorted(path.name for path in index_dir.iterdir() if "000002" in path.name) == []


def test_duplicates_and_settings_mismatch(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "one.md").write_text("Same words in two files.\n")
    (docs / "two.md").write_text("Same words in two files.\n")
    index_dir = tmp_path / "index"
    report = ingest([docs], index_dir)
    assert [Path(path).name for path in report.added] == ["one.md"]
    assert [(Path(a).name, Path(b).name) for a, b in report.duplicates] == [("two.md", "one.md")]
    with pytest.raises(ConfigError, match="chunking"):
        ingest([docs], index_dir, params=ChunkParams(max_tokens=100, overlap=10))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    with pytest.raises(InputError, match="not a document index"):
        ingest([docs], tmp_path / "other")


def test_an_interrupted_write_leaves_the_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("Apples are harvested in September.\n")
    index_dir = tmp_path / "index"
    ingest([docs], index_dir)
    (docs / "b.md").write_text("Bananas ripen after picking.\n")

    import syndgen.grounding.storage as storage

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(storage, "_write_bm25", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest([docs], index_dir)
    monkeypatch.undo()
    index = open_index(index_dir)
    assert index.version == 1
    assert {Path(chunk.source).name for chunk in index.chunks} == {"a.md"}
    report = ingest([docs], index_dir)
    assert (report.index_version, [Path(p).name for p in report.added]) == (2, ["b.md"])
    assert not any(path.name.startswith(("chunks-000001", ".")) for path in index_dir.iterdir())
