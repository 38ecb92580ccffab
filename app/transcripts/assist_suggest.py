"""Code suggestions learnt from a study's human codings: training as a background job, the stored model with
each code's cross-validated precision and recall, suggestions for uncoded turns, accept and reject.

Decisions:
- units are what participants said: speaker turns that are not a moderator's (paragraphs in a transcript
  without turns), the unit people code most and the one suggestions are offered for; a turn's labels are
  the codes of the human codings (manual, accepted suggestions, imported from REFI-QDA) that overlap it;
- a document's turns count up to its last coded turn: those were read and left uncoded on purpose, the
  later ones maybe not yet read, so they are not taught as "no code";
- the user trains on the codings they may see: in a blind study not yet released, their own only, and the
  model is then theirs (its file carries their id), so suggestions never reveal another coder's choices;
- the model is a pickle in <instance>/models/ written only by this module, signed with the app's secret
  key (HMAC) and refused if the signature does not match; its metadata (when, how many segments, each
  code's precision, recall and support over k folds) is JSON beside it;
- nothing is applied without a person: accepting posts one suggestion, which becomes the user's coding
  (origin "suggestion"); rejections are stored per user and study in a JSON file beside the model and
  hide that code for that passage from then on, across retraining.
"""

import hashlib
import hmac
import json
import logging
import pickle
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.i18n import N_, in_user_language
from app.jobs import JobContext, JobError, enqueue, task
from app.jobs.files import write_atomically
from app.models import Code, Coding, CodingDocument, CodingOrigin, CodingProject, Job, User, utcnow
from app.transcripts import access, codings
from app.transcripts.assist import answer_units, documents_of, participants_of, study_pipeline
from coding.errors import SuggestionError
from coding.search import Unit
from coding.suggest import SuggestionModel, cross_validated_quality, train

log = logging.getLogger(__name__)

TRAIN_KIND = "transcripts.suggest_train"
MODELS_DIR = "models"
HUMAN_ORIGINS = (CodingOrigin.MANUAL, CodingOrigin.SUGGESTION, CodingOrigin.IMPORT)
MIN_CODED = 10  # coded turns needed before training: fewer teach nothing a person could trust
FOLDS = 5
SHOWN = 3  # codes suggested per turn
REASONS = 6  # words shown for each suggestion
MAX_REJECTIONS = 5000


@dataclass(frozen=True)
class CodeQuality:
    code_id: int
    name: str
    precision: float
    recall: float
    support: int


@dataclass(frozen=True)
class ModelInfo:
    trained_at: datetime
    segments: int
    coded: int
    folds: int
    seconds: float
    own_codings_only: bool
    codes: tuple[CodeQuality, ...]


@dataclass(frozen=True)
class Trained:
    model: SuggestionModel
    info: ModelInfo


@dataclass(frozen=True)
class Suggested:
    code: Code
    score: float
    likely: bool  # the score reaches the threshold that gave the code's best F1 in cross-validation
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """An uncoded passage with the codes suggested for it, best first."""

    document: CodingDocument
    start: int
    end: int
    speaker: str
    text: str
    codes: tuple[Suggested, ...]


# Where models live


def _folder() -> Path:
    return Path(current_app.instance_path) / MODELS_DIR


def _stem(study: CodingProject, user: User) -> str:
    if access.is_blind_for(study):
        return f"suggest-study-{study.id}-coder-{user.id}"
    return f"suggest-study-{study.id}"


def _signature(data: bytes) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def save_model(study: CodingProject, user: User, model: SuggestionModel, meta: dict[str, Any]) -> None:
    """Write the model and its metadata for the study (for the user alone in a blind study)."""
    data = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    stem = _stem(study, user)
    with write_atomically(_folder() / f"{stem}.pickle") as handle:
        handle.write(data)
    with write_atomically(_folder() / f"{stem}.json") as handle:
        handle.write(json.dumps({**meta, "signature": _signature(data)}, ensure_ascii=False).encode())


_CACHE: dict[Path, tuple[int, Trained]] = {}


def load_model(study: CodingProject, user: User) -> Trained | None:
    """The model the user gets suggestions from, or None when none was trained (or it is not ours)."""
    stem = _stem(study, user)
    meta_path, model_path = _folder() / f"{stem}.json", _folder() / f"{stem}.pickle"
    try:
        stamp = model_path.stat().st_mtime_ns + meta_path.stat().st_mtime_ns
        cached = _CACHE.get(model_path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = model_path.read_bytes()
    except (OSError, ValueError):
        return None
    if not hmac.compare_digest(str(meta.get("signature", "")), _signature(data)):
        log.warning("suggestion model %s refused: its signature does not match", model_path.name)
        return None
    trained = Trained(pickle.loads(data), _info(meta))  # noqa: S301 - written and signed by us
    _CACHE[model_path] = (stamp, trained)
    return trained


def _info(meta: dict[str, Any]) -> ModelInfo:
    return ModelInfo(
        trained_at=datetime.fromisoformat(meta["trained_at"]),
        segments=meta["segments"],
        coded=meta["coded"],
        folds=meta["folds"],
        seconds=meta["seconds"],
        own_codings_only=meta["own_codings_only"],
        codes=tuple(CodeQuality(**quality) for quality in meta["codes"]),
    )


# Training


def start_training(user: User, study: CodingProject) -> Job:
    """Queue the training of the study's suggestion model for the user."""
    return enqueue(TRAIN_KIND, {"study_id": study.id}, user, total=4)


def last_training(user: User, study: CodingProject) -> Job | None:
    """The user's latest training job for the study."""
    query = select(Job).where(Job.user_id == user.id, Job.kind == TRAIN_KIND).order_by(Job.id.desc())
    return next(
        (job for job in db.session.scalars(query.limit(50)) if job.params.get("study_id") == study.id), None
    )


def training_data(user: User, study: CodingProject) -> tuple[list[str], list[set[str]]]:
    """The passages to learn from and the codes (ids as text) of each: see the module's decisions."""
    people = participants_of(study)
    texts: list[str] = []
    labels: list[set[str]] = []
    for document in documents_of(study):
        units = answer_units(document, people)
        found = _labels(units, _human_codings(user, study, document))
        coded = [index for index, codes in enumerate(found) if codes]
        if not coded:
            continue
        for unit, codes in zip(units[: coded[-1] + 1], found, strict=False):
            texts.append(document.text[unit.start : unit.end])
            labels.append(codes)
    return texts, labels


def _human_codings(user: User, study: CodingProject, document: CodingDocument) -> list[tuple[int, int, int]]:
    query = select(Coding.start, Coding.end, Coding.code_id).where(
        Coding.document_id == document.id,
        Coding.origin.in_(HUMAN_ORIGINS),
        access.visible_codings(user, study),
    )
    return [tuple(row) for row in db.session.execute(query)]


def _labels(units: list[Unit], spans: list[tuple[int, int, int]]) -> list[set[str]]:
    """The codes of the spans overlapping each unit (units do not overlap one another)."""
    ends = [unit.end for unit in units]
    found: list[set[str]] = [set() for _ in units]
    for start, end, code_id in spans:
        index = bisect_right(ends, start)
        while index < len(units) and units[index].start < end:
            found[index].add(str(code_id))
            index += 1
    return found


@task(TRAIN_KIND, title=N_("Training of code suggestions"))
def run_training(ctx: JobContext) -> None:
    user = ctx.job.user
    study = db.session.get(CodingProject, int(ctx.params["study_id"]))
    if study is None or not access.can_work_on(user, study):
        raise JobError(_("This study is no longer open to you."))
    texts, labels = training_data(user, study)
    coded = sum(1 for found in labels if found)
    if coded < MIN_CODED:
        raise JobError(
            _(
                "Code at least %(needed)d turns before training suggestions: %(coded)d are coded so far.",
                needed=MIN_CODED,
                coded=coded,
            )
        )
    ctx.progress(1, 4)
    codes = {
        str(code.id): code
        for code in db.session.scalars(select(Code).where(Code.coding_project_id == study.id))
    }
    used = sorted(set().union(*labels) & set(codes))
    definitions = {key: f"{codes[key].name}. {codes[key].definition}" for key in used}
    nlp = study_pipeline(study)
    folds = min(FOLDS, len(texts))
    started = time.perf_counter()
    try:
        quality = cross_validated_quality(texts, labels, folds, nlp.lang, nlp, definitions)
        ctx.progress(2)
        model = train(texts, labels, nlp.lang, nlp, definitions)
    except SuggestionError as error:
        raise JobError(in_user_language(str(error))) from None
    ctx.progress(3)
    meta = _metadata(user, study, labels, quality, codes, folds, time.perf_counter() - started)
    save_model(study, user, model, meta)
    audit.record(
        "transcript.suggestions.train",
        study,
        org_unit_id=study.org_unit_id,
        actor=user,
        segments=len(texts),
        coded=coded,
        codes=len(used),
    )
    ctx.progress(4)


def _metadata(
    user: User,
    study: CodingProject,
    labels: list[set[str]],
    quality: dict[str, tuple[float, float, int]],
    codes: dict[str, Code],
    folds: int,
    seconds: float,
) -> dict[str, Any]:
    """What the suggestions page shows about a model: when, on what, and each code's quality."""
    return {
        "trained_at": utcnow().isoformat(),
        "trained_by": user.id,
        "unit": "turn",
        "segments": len(labels),
        "coded": sum(1 for found in labels if found),
        "folds": folds,
        "seconds": round(seconds, 2),
        "own_codings_only": access.is_blind_for(study),
        "codes": [
            {"code_id": int(key), "name": codes[key].name, "precision": p, "recall": r, "support": n}
            for key, (p, r, n) in sorted(quality.items(), key=lambda item: codes[item[0]].name.casefold())
            if key in codes
        ],
    }


# Suggesting


def candidates(
    user: User, study: CodingProject, docs: list[CodingDocument], trained: Trained, show_all: bool = False
) -> list[Candidate]:
    """Uncoded passages of `docs` with up to SHOWN suggested codes each, best first, leaving out what the
    user rejected; only the likely codes unless `show_all`. Passages with nothing to suggest are left out."""
    people = participants_of(study)
    rejected = rejections(study, user)
    codes = {
        str(code.id): code
        for code in db.session.scalars(select(Code).where(Code.coding_project_id == study.id))
    }
    pending = [(doc, unit) for doc in docs for unit in _uncoded(user, study, doc, answer_units(doc, people))]
    if not pending:
        return []
    model = trained.model
    ranked = model.suggest_many([doc.text[u.start : u.end] for doc, u in pending], k=len(model.codes))
    thresholds = dict(zip(model.codes, model.thresholds, strict=True))
    found = []
    for (doc, unit), ranking in zip(pending, ranked, strict=True):
        chosen = [
            Suggested(codes[label], score, score >= thresholds[label])
            for label, score in ranking
            if label in codes and f"{doc.id}:{unit.start}:{unit.end}:{label}" not in rejected
        ]
        chosen = [s for s in chosen if show_all or s.likely][:SHOWN]
        if chosen:
            text = doc.text[unit.start : unit.end]
            found.append(Candidate(doc, unit.start, unit.end, unit.speaker or "", text, tuple(chosen)))
    return found


def _uncoded(user: User, study: CodingProject, document: CodingDocument, units: list[Unit]) -> list[Unit]:
    query = select(Coding.start, Coding.end, Coding.code_id).where(
        Coding.document_id == document.id, access.visible_codings(user, study)
    )
    found = _labels(units, [tuple(row) for row in db.session.execute(query)])
    return [unit for unit, codes in zip(units, found, strict=True) if not codes]


def with_reasons(trained: Trained, shown: list[Candidate]) -> list[Candidate]:
    """The candidates with the words that drove each suggestion (explained only for those shown)."""
    model = trained.model
    return [
        Candidate(
            c.document,
            c.start,
            c.end,
            c.speaker,
            c.text,
            tuple(
                Suggested(
                    s.code,
                    s.score,
                    s.likely,
                    tuple(w for w, _v in model.explain(c.text, str(s.code.id), REASONS)),
                )
                for s in c.codes
            ),
        )
        for c in shown
    ]


def record_read(user: User, study: CodingProject, shown: list[Candidate]) -> None:
    """Audit that the user read passages of the study's transcripts on the suggestions page."""
    audit.record(
        "transcript.suggestions.read",
        study,
        org_unit_id=study.org_unit_id,
        actor=user,
        documents=sorted({c.document.id for c in shown}),
    )


def accept(user: User, document: CodingDocument, code: Code, start: int, end: int) -> list[Coding]:
    """A person accepts a suggestion: it becomes their coding, marked as a suggestion. The caller commits."""
    made = codings.apply_codes(user, document, [code], start, end, origin=CodingOrigin.SUGGESTION)
    audit.record(
        "transcript.suggestion.accept",
        document,
        org_unit_id=document.coding_project.org_unit_id,
        actor=user,
        code=code.id,
        start=start,
        end=end,
    )
    return made


def _rejections_path(study: CodingProject, user: User) -> Path:
    return _folder() / f"suggest-study-{study.id}-rejected-{user.id}.json"


def rejections(study: CodingProject, user: User) -> set[str]:
    """The suggestions the user rejected in the study, as "document:start:end:code"."""
    try:
        return set(json.loads(_rejections_path(study, user).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return set()


def reject(user: User, document: CodingDocument, code: Code, start: int, end: int) -> None:
    """Remember that the user does not want `code` suggested for this passage again. The caller commits."""
    study = document.coding_project
    path = _rejections_path(study, user)
    try:
        known = list(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        known = []
    key = f"{document.id}:{start}:{end}:{code.id}"
    if key not in known:
        known = [*known, key][-MAX_REJECTIONS:]
        with write_atomically(path) as handle:
            handle.write(json.dumps(known).encode())
    audit.record(
        "transcript.suggestion.reject",
        document,
        org_unit_id=study.org_unit_id,
        actor=user,
        code=code.id,
        start=start,
        end=end,
    )
