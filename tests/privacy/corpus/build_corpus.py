"""Build pii_corpus.jsonl from pii_corpus.txt: ``{TYPE|value}`` marks become character spans."""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).parent
MARK = re.compile(r"\{([A-Z_]+)\|([^}]*)\}")


def parse(line: str) -> dict[str, object]:
    domain, marked = line.split("\t", 1)
    text, entities, last = "", [], 0
    for match in MARK.finditer(marked):
        text += marked[last : match.start()]
        entity, value = match.group(1), match.group(2)
        if entity == "DATE_OF_BIRTH" or entity == "MEDICAL_RECORD_NUMBER":
            cue = re.match(r"^(born(?: on)?|DOB|MRN|d\.o\.b\.) ", value)  # the cue is not the value
            if cue:
                text += cue.group(0)
                value = value[cue.end() :]
        entities.append({"type": entity, "start": len(text), "end": len(text) + len(value), "value": value})
        text += value
        last = match.end()
    text += marked[last:]
    return {"domain": domain, "text": text, "entities": entities}


def main() -> None:
    lines = [line for line in (HERE / "pii_corpus.txt").read_text().splitlines() if line and line[0] != "#"]
    with (HERE / "pii_corpus.jsonl").open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(parse(line), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
