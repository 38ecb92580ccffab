"""Benchmark: import of a 100,000-word focus-group transcript as .txt and as .docx; target ≤ 2 s each.

The transcript is built from tests/coding/data/transcripts/focus_group_genitori.txt: its speakers, with
roles and, for two turns in five, running timestamps, say its sentences drawn at random (fixed seed); one
turn in five has a continuation line. Its 35 sentences repeat, so its document.xml deflates about 19
times where real prose deflates 5 to 10 times; inflating is a small part of an import either way.
Importing is coding.documents.read_document: decoding or unzipping and the zip checks, canonical text,
speaker turns.

Baseline, measured in the same run: merely reading and decoding the file, the least any importer must do.
For the .txt, decoding the bytes as UTF-8; for the .docx, inflating word/document.xml and parsing it with
lxml. Exit code 0 when both imports meet the target, 1 otherwise.
Run: .venv/bin/python bench/bench_transcripts.py
"""

import io
import random
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import docx  # noqa: E402
from docx.shared import Pt  # noqa: E402
from lxml import etree  # noqa: E402

from bench.common import median_ms, timed  # noqa: E402
from coding.documents import read_document  # noqa: E402
from coding.turns import parse_turns  # noqa: E402

TARGET_S = 2.0
WORDS = 100_000
FIXTURE = Path(__file__).resolve().parent.parent / "tests/coding/data/transcripts/focus_group_genitori.txt"


def transcript_lines(words: int, seed: int = 7) -> list[str]:
    """Lines of a transcript of `words` words or a few more, one turn per line plus continuation lines."""
    speakers, sentences = _fixture_parts()
    pick = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()[:3]
    count, clock = sum(len(line.split()) for line in lines), 0
    while count < words:
        said = " ".join(pick.choice(sentences) for _ in range(pick.randint(1, 5)))
        clock += pick.randint(5, 90)
        stamp = (
            f"[{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}] " if pick.random() < 0.4 else ""
        )
        turn = [f"{stamp}{pick.choice(speakers)}: {said}"]
        if pick.random() < 0.2:
            turn.append(pick.choice(sentences))  # a continuation line
        lines += turn
        count += sum(len(line.split()) for line in turn)
    return lines


def _fixture_parts() -> tuple[list[str], list[str]]:
    """The fixture's speakers as markers ("Anna Rossi (educatrice)") and the sentences of its turns."""
    parsed = parse_turns(FIXTURE.read_text(encoding="utf-8"))
    speakers, sentences = set(), []
    for turn in parsed.turns:
        role = f" ({turn.role})" if turn.role and turn.role != turn.speaker.lower() else ""
        speakers.add(turn.speaker + role if turn.role != "moderatore" else turn.speaker)
        said = parsed.text_without_markers[turn.start : turn.end]
        sentences += [sentence for sentence in re.split(r"(?<=[.?!😊])\s+", said) if sentence]
    return sorted(speakers), sentences


def docx_bytes(lines: list[str]) -> bytes:
    """A .docx of one paragraph per line, in runs of six words with their own font, as Word splits text."""
    document = docx.Document()
    for line in lines:
        paragraph = document.add_paragraph()
        words = line.split(" ")
        for at in range(0, len(words), 6):
            run = paragraph.add_run(" ".join(words[at : at + 6]) + (" " if at + 6 < len(words) else ""))
            run.font.name, run.font.size = "Calibri", Pt(11)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def parse_document_xml(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        etree.fromstring(archive.read("word/document.xml"))


def main() -> int:
    lines = transcript_lines(WORDS)
    text = "\n".join(lines) + "\n"
    files = {"txt": text.encode("utf-8"), "docx": docx_bytes(lines)}
    baselines = {
        "txt": ("UTF-8 decode", lambda: files["txt"].decode("utf-8")),
        "docx": ("unzip + lxml", lambda: parse_document_xml(files["docx"])),
    }
    words = len(text.split())
    print(f"import of a {words:,}-word transcript ({len(lines):,} lines; median of 5 runs)")
    verdicts = []
    for kind, data in files.items():
        imported = read_document(data, f"focus_group.{kind}")
        assert imported.text.rstrip("\n") == read_document(files["txt"], "a.txt").text.rstrip("\n")
        ours = median_ms(
            timed(lambda kind=kind, data=data: read_document(data, f"focus_group.{kind}"), repeat=5)
        )
        label, decode = baselines[kind]
        baseline = median_ms(timed(decode, repeat=5))
        verdicts.append(ours <= TARGET_S * 1000)
        print(f"  .{kind:<4} {len(data) / 1e6:5.2f} MB, {len(imported.turns):,} turns")
        print(f"    humus read_document    : {ours:8.1f} ms   target ≤ {TARGET_S * 1000:.0f} ms")
        print(f"    baseline: {label:<13}: {baseline:8.1f} ms")
        print(f"    ratio                  : {ours / baseline:8.1f}x the baseline")
        print(f"    words/s                : {words / (ours / 1000):10,.0f}")
        print(f"    verdict                : {'PASS' if verdicts[-1] else 'FAIL'}")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
