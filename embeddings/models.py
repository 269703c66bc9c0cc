"""The plain values that flow out of the core: sources, passages, excerpts and answers.

Everything here is a frozen dataclass so a snapshot of the corpus can be shared between
threads (the bot answers from one snapshot while a reload builds the next).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Who published a source: what a citation shows.

    ``title`` is None when the source names none; it is then cited by publisher and date,
    never by an invented title.
    """

    id: str
    title: str | None
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned source file: its metadata and its body paragraphs in reading order."""

    info: SourceInfo
    path: Path
    paragraphs: tuple[str, ...]
    sha256: str
    """Hash of the raw file bytes; a changed hash means the source changed."""
    dropped: int = 0
    """Paragraphs of the file left out as furniture (navigation, credits, repeats)."""
    byline: str | None = None
    """The author as the source names them, verbatim: its byline line ("by Peter Henderson, The
    Canadian Press"), an author link's text, or a page's author field. What a question about
    who wrote it quotes (`embeddings/retrieval/about.py`)."""


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of an article that can be quoted on its own.

    ``paragraph`` is the 1-based paragraph number in the cleaned article (what citations show);
    ``part`` numbers the pieces of a paragraph too long for the model, from 0.
    """

    source_id: str
    paragraph: int
    part: int
    text: str
    sha256: str
    """Hash of ``text``: unchanged text is never embedded twice."""

    @property
    def key(self) -> str:
        """Stable id: source id plus paragraph number (and part, when split)."""
        suffix = f".{self.part}" if self.part else ""
        return f"{self.source_id}#{self.paragraph}{suffix}"


@dataclass(frozen=True, slots=True)
class AlsoIn:
    """Another source that carries (nearly) the same passage."""

    id: str
    publisher: str | None
    paragraph: int
    title: str = ""
    """The source's title, to name it by when its publisher is unknown."""


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A verbatim quote from one source, with the sentences that best answer the question.

    ``text`` is source text, possibly cut at sentence boundaries with "…" where cut;
    every string in ``highlight`` occurs verbatim in ``text``.
    """

    text: str
    highlight: tuple[str, ...]
    confidence: float
    """How sure the search is that this passage is on topic (0..1): the question's best cosine
    to it, gated by the answer type. Not the ranking score, which orders the excerpts."""
    paragraph: int
    """The paragraph's number in its source, from 1; 0 for the source's byline."""
    source: SourceInfo
    also_in: tuple[AlsoIn, ...] = ()
    machine_rewritten: bool = False
    """The source reads as machine-rewritten ("spun") text: citations label it."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The excerpts that answer a question, best first; none when the sources do not answer."""

    question: str
    excerpts: tuple[Excerpt, ...] = ()
    unmentioned: str = ""
    """When unanswered because the question is about a name the sources never use ("Nokia"),
    that name as typed, so the reply can say why; "" otherwise."""
    unquoted: str = ""
    """When unanswered because the question asks what someone said and the sources name them
    but never quote them ("What did Apple say?"), that name as typed; "" otherwise."""

    @property
    def answered(self) -> bool:
        return bool(self.excerpts)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `storybot ask --json` (keys may be added, never renamed: an
        excerpt's confidence is still written as "score")."""
        out = {"question": self.question, "answered": self.answered, **asdict(self)}
        out["excerpts"] = [
            {("score" if key == "confidence" else key): value for key, value in excerpt.items()}
            for excerpt in out["excerpts"]
        ]
        for reason in ("unmentioned", "unquoted"):
            if not out[reason]:
                del out[reason]  # only when it says why
        return out


@dataclass(frozen=True, slots=True)
class SourceReport:
    """A source as the bot reads it (`storybot sources`): metadata, paragraphs, warnings."""

    info: SourceInfo
    paragraphs: tuple[str, ...]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `storybot sources --json` (keys may be added, never renamed)."""
        return {**asdict(self.info), "paragraphs": list(self.paragraphs),
                "warnings": list(self.warnings)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class WebPage:
    """What a web page says about itself, and its main text as paragraphs in reading order."""

    paragraphs: tuple[str, ...]
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    dropped: int = 0
    """Paragraphs of the extracted text left out: repeats, and the title repeated as a heading."""


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """A source as listed to users (`/sources`)."""

    info: SourceInfo
    passages: int


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What building or reloading the index did."""

    sources: int
    passages: int
    embedded: int
    """Texts encoded now: vectors of passages, sentences and words, and passages' token states
    (late interaction); 0 when nothing changed."""
    seconds: float
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())
    """Files that could not be read or decoded, with the reason; they were skipped."""
    rebuilt: str | None = None
    """Why the stored index was not reused (missing, corrupt, other model), if it was not."""
    machine_rewritten: tuple[str, ...] = ()
    """Sources whose text reads as machine-rewritten ("spun"): their quotes are labelled."""
