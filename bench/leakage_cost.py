"""What the leakage check costs: seconds per 1,000 records against a set of source paragraphs.

    python bench/leakage_cost.py --records 1000 --sources 1000 [--embed] [--json OUT.json]

Sources are paragraphs of 80 words drawn (seeded) from a 5,000-word vocabulary; records are
60-word texts, every tenth one with a 40-word span copied from a source. Timed separately:
building the indexes of the sources (with ``--embed``, embedding them with MiniLM) and checking
every record (longest span, 13-gram overlap, MinHash Jaccard, and with ``--embed`` the embedding
distance), as :func:`syndgen.privacy.leakage.analyse` does for a run's report.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from syndgen.config_privacy import LeakageConfig
from syndgen.privacy.leakage import LeakageChecker, analyse
from syndgen.privacy.leakage_sources import Source


def corpus(records: int, sources: int, seed: int = 0) -> tuple[list[Source], list[tuple[str, str]]]:
    rng = random.Random(seed)
    vocab = [f"word{i}" for i in range(5000)]
    paragraphs = [" ".join(rng.choices(vocab, k=80)) for _ in range(sources)]
    texts = []
    for i in range(records):
        words = rng.choices(vocab, k=60)
        if i % 10 == 0:
            source = paragraphs[rng.randrange(sources)].split()
            words[10:50] = source[20:60]
        texts.append((f"r{i}", " ".join(words)))
    return [Source("reference", f"p{i}", p) for i, p in enumerate(paragraphs)], texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--embed", action="store_true", help="also measure MiniLM embedding distances")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sources, records = corpus(args.records, args.sources)
    encode = None
    if args.embed:
        from syndgen.embed import get_embedder

        encode = get_embedder().encode
        encode(["warm up"])
    # Distances are measured whenever an embedder is given; no threshold on them here, as these
    # made-up texts all sit close together in MiniLM's space: the figure is the cost.
    config = LeakageConfig(enabled=True)
    start = time.perf_counter()
    checker = LeakageChecker(sources, [], config, embed=encode)
    built = time.perf_counter() - start
    start = time.perf_counter()
    report = analyse(records, checker)
    checked = time.perf_counter() - start
    result = {
        "records": args.records,
        "sources": args.sources,
        "embed": args.embed,
        "index_s": round(built, 3),
        "check_s": round(checked, 3),
        "check_s_per_1000": round(checked * 1000 / args.records, 3),
        "leaks_found": report["leaks"],
        "embedding_distance": report["embedding_distance"],
        "copies_planted": (args.records + 9) // 10,
    }
    print(json.dumps(result, indent=2))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
