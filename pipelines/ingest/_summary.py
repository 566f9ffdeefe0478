"""What an ingestion run did: the CLI's summary, the flow's result and artifact."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from curate.io import Completion, FAILED, UNSUPPORTED


@dataclass
class IngestSummary:
    """What a run did, for the CLI summary and flow artifacts."""

    inputs: int = 0
    skipped: int = 0
    records: int = 0
    pages: int = 0
    rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)
    unsupported: list[tuple[str, str]] = field(default_factory=list)    # skipped for good, with the reason
    seconds: float = 0.0
    done: list[Completion] = field(default_factory=list)     # this run's records, for the artifact

    def add(self, done: Completion) -> None:
        self.done.append(done)
        self.inputs += 1
        self.records += done.records
        self.pages += done.pages
        self.rejected += done.rejected
        self.reasons.update(done.reasons)
        if done.status == FAILED:
            self.failed.append((done.source, done.error or ""))
        elif done.status == UNSUPPORTED:             # said once, recorded, never redone, not a failure
            self.unsupported.append((done.source, done.error or ""))

    @property
    def processed(self) -> int:
        """Inputs read this run, unsupported files (recorded as such) left out."""
        return self.inputs - len(self.unsupported)

    def format(self) -> str:
        rate = self.pages / self.seconds if self.seconds else 0.0
        # each input counted once: an unsupported file (a WAT) is neither processed nor failed
        lines = [f"inputs: {self.processed} processed, {self.skipped} already done, {len(self.failed)} failed"
                 + (f", {len(self.unsupported)} unsupported (recorded, not redone)" if self.unsupported else ""),
                 f"records read: {self.records}", f"pages written: {self.pages}",
                 f"rejected: {self.rejected}"]
        lines += [f"  {reason}: {n}" for reason, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append(f"time: {self.seconds:.1f}s, {rate:.1f} pages/s")
        lines += [f"SKIPPED {uri}: {err}" for uri, err in self.unsupported]
        lines += [f"FAILED {uri}: {err}" for uri, err in self.failed]
        return "\n".join(lines)

    def result(self) -> dict:
        """The flow's result."""
        return {"inputs": self.inputs, "skipped": self.skipped, "pages": self.pages, "rejected": self.rejected,
                "failed": [uri for uri, _ in self.failed], "unsupported": [uri for uri, _ in self.unsupported],
                "reasons": dict(self.reasons)}

    def markdown(self, title: str) -> str:
        """The run's summary table (one line per input), for a Prefect artifact."""
        rate = self.pages / self.seconds if self.seconds else 0.0
        lines = [f"# {title}", "",
                 f"{self.processed} inputs processed, {self.skipped} already done, {len(self.failed)} failed"
                 + (f", {len(self.unsupported)} unsupported" if self.unsupported else "") + "; "
                 f"{self.records} records, {self.pages} pages, {self.rejected} rejected, {rate:.1f} pages/s", "",
                 "| input | status | records | pages | rejected | top reasons | seconds |",
                 "| --- | --- | ---: | ---: | ---: | --- | ---: |"]
        for d in self.done:
            top = ", ".join(f"{k} {v}" for k, v in sorted(d.reasons.items(), key=lambda kv: -kv[1])[:3])
            lines.append(f"| {d.source.rsplit('/', 1)[-1]} | {d.status} | {d.records} | {d.pages} | {d.rejected} | "
                         f"{top or d.error or ''} | {d.seconds:.1f} |")
        return "\n".join(lines)
