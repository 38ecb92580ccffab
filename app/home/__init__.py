"""Blueprint: the home page, which shows each role what it can do."""

from flask import Blueprint

bp = Blueprint("home", __name__)


@bp.app_context_processor
def inject_home_helpers() -> dict[str, object]:
    from app.home.tasks import home_tasks, main_menu, role_label

    return {"home_tasks": home_tasks, "role_label": role_label, "main_menu": main_menu}


from app.home import views  # noqa: E402,F401
