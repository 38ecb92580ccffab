"""The cards of the home page: what each permission lets a user do, with where to do it."""

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import gettext as _

from app.i18n import N_
from app.models import Role

ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.RESEARCHER: N_("Researcher"),
    Role.OPERATOR: N_("Operator"),
    Role.EVALUATOR: N_("Evaluator"),
    Role.VIEWER: N_("Viewer"),
}


@dataclass(frozen=True)
class Task:
    title: str
    text: str
    url: str


def role_label(role: str) -> str:
    return _(ROLE_LABELS.get(role, role))


def home_tasks(allowed: set[str]) -> list[Task]:
    """The tasks open to a user with these permissions, in the order a newcomer needs them."""
    tasks: list[Task] = []
    if "design_forms" in allowed:
        tasks.append(
            Task(_("Forms"), _("Upload XLSForms, publish versions, download them."), url_for("surveys.index"))
        )
    if "fill_forms" in allowed:
        tasks.append(
            Task(
                _("ODK Collect"),
                _("Fill in forms offline on Android: device credentials and QR codes."),
                url_for("openrosa.devices"),
            )
        )
    if "code_transcripts" in allowed:
        tasks.append(
            Task(
                _("Transcripts and coding"),
                _("Code focus groups and interviews with a shared codebook; compare coders."),
                url_for("transcripts.index"),
            )
        )
    if "manage_users" in allowed:
        tasks.append(
            Task(
                _("Users and roles"),
                _("Create accounts, assign roles over a territory, disable access."),
                url_for("admin.users"),
            )
        )
    if "manage_territory" in allowed:
        tasks.append(
            Task(
                _("Territory"),
                _("Provinces, Ambiti, comuni, agencies and services of the network."),
                url_for("admin.territory"),
            )
        )
    if "read_audit" in allowed:
        tasks.append(Task(_("Audit log"), _("Who did what, when and from where."), url_for("admin.audit")))
    tasks.append(
        Task(
            _("My account"),
            _("Change your password and manage your API tokens."),
            url_for("auth.account"),
        )
    )
    return tasks


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool


def main_menu(allowed: set[str]) -> list[MenuItem]:
    """The header menu for these permissions, marking the section the current page belongs to."""
    entries = [(url_for("home.index"), _("Home")), (url_for("surveys.index"), _("Forms"))]
    if "keep_cases" in allowed:
        entries.append((url_for("cases.index"), _("Case records")))
    if "code_transcripts" in allowed:
        entries.append((url_for("transcripts.index"), _("Transcripts")))
    if "run_training" in allowed:
        entries.append((url_for("training.index"), _("Training plan")))
    if "read_programme" in allowed:
        entries.append((url_for("programme.index"), _("Programme")))
    if "read_statistics" in allowed or "design_forms" in allowed:
        entries.append((url_for("monitoring.index"), _("Reporting cycles")))
    if "read_statistics" in allowed:
        entries.append((url_for("statistics.index"), _("Statistics")))
        entries.append((url_for("registry.index"), _("Services registry")))
    if "manage_users" in allowed:
        entries.append((url_for("admin.users"), _("Users")))
    if "manage_territory" in allowed:
        entries.append((url_for("admin.territory"), _("Territory")))
    if "read_audit" in allowed:
        entries.append((url_for("admin.audit"), _("Audit log")))
    entries.append((url_for("auth.account"), _("My account")))
    return [MenuItem(url, label, _is_current(url)) for url, label in entries]


def _is_current(url: str) -> bool:
    if url == "/":
        return request.path == "/"
    return request.path == url or request.path.startswith(url.rstrip("/") + "/")
