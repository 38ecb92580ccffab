"""The suggestions panel of a transcript's coding page: the study's code suggestions for this transcript only.

Decisions:
- the panel asks assist_suggest exactly as the study's suggestions page does (the same model, the same
  uncoded turns, the same rejections, the same blind-study rules: in a blind study the model and the
  codings it looks at are the user's own), so a suggestion is offered in one place only if it is in both;
- only the likely suggestions are listed, as on that page by default, and at most PANEL_SIZE turns, in the
  order of the transcript; the rest are a link away on the suggestions page;
- each item knows the block of the page that shows its turn, so the panel can link to it without script.
"""

from dataclasses import dataclass

from app.models import CodingDocument, User
from app.transcripts import assist_suggest
from app.transcripts.assist_suggest import Candidate

PANEL_SIZE = 15  # turns listed: the words behind each suggestion are worked out for these only


@dataclass(frozen=True)
class PanelItem:
    """An uncoded turn with its suggested codes, and the id of the block that shows it on the page."""

    candidate: Candidate
    block: str


@dataclass(frozen=True)
class Panel:
    trained: bool  # whether a model serves the user in this study: without one there is nothing to list
    items: tuple[PanelItem, ...]
    total: int  # turns with suggestions in the transcript, listed or not


def panel_of(user: User, document: CodingDocument) -> Panel:
    """The suggestions the user gets for the transcript's uncoded turns, best codes first."""
    study = document.coding_project
    trained = assist_suggest.load_model(study, user)
    if trained is None:
        return Panel(False, (), 0)
    found = assist_suggest.candidates(user, study, [document], trained)
    shown = assist_suggest.with_reasons(trained, found[:PANEL_SIZE])
    blocks = {(turn.start, turn.end): f"turn-{turn.id}" for turn in document.turns}
    items = tuple(PanelItem(c, blocks.get((c.start, c.end), "")) for c in shown)
    return Panel(True, items, len(found))
