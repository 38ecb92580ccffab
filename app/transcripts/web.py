"""Blueprint of the coding workbench pages."""

from flask import Blueprint

bp = Blueprint("transcripts", __name__, url_prefix="/transcripts")


from app.transcripts import (  # noqa: E402,F401
    analysis_views,
    assist_views,
    codebook_views,
    exchange_views,
    team_views,
    views,
    workbench_views,
)
