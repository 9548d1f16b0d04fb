"""Ground generation in documents: parse, chunk, index, retrieve, and check answers against passages.

>>> from pathlib import Path
>>> from syndgen.grounding import HybridRetriever, ingest, open_index
>>> report = ingest([Path("docs")], Path("index"))  # doctest: +SKIP
>>> hits = HybridRetriever(open_index(Path("index"))).search("How many days of leave?", k=5)  # doctest: +SKIP
"""

from syndgen.grounding.chunk import Chunk, ChunkParams, chunk_sections, count_tokens
from syndgen.grounding.index import Index, IngestReport, TextEmbedder, collect_files, ingest, open_index
from syndgen.grounding.keywords import doc_keywords
from syndgen.grounding.parse import SUPPORTED_SUFFIXES, Section, document_text, parse_bytes, parse_file
from syndgen.grounding.retrieve import Hit, HybridRetriever, Retriever
from syndgen.grounding.support import SupportResult, support_check

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Chunk",
    "ChunkParams",
    "Hit",
    "HybridRetriever",
    "Index",
    "IngestReport",
    "Retriever",
    "Section",
    "SupportResult",
    "TextEmbedder",
    "chunk_sections",
    "collect_files",
    "count_tokens",
    "doc_keywords",
    "document_text",
    "ingest",
    "open_index",
    "parse_bytes",
    "parse_file",
    "support_check",
]
