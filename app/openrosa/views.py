"""OpenRosa routes for ODK Collect: form list, form and media downloads, manifests, submissions."""

from flask import Response, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from app.openrosa import bp, formlist, manifest, receiving, submitting
from app.openrosa.auth import device_credential, device_login_required, device_user
from app.openrosa.responses import (
    accept_content_length,
    message_response,
    no_content,
    openrosa_request,
    protocol_language,
    with_protocol_headers,
    xml_response,
)


@bp.get("/formList")
@bp.get("/odk/projects/<int:project_id>/formList", endpoint="project_form_list")
@openrosa_request
@device_login_required
def form_list(project_id: int | None = None):
    """The forms the device user may fill in (in one project), optionally only `formID`."""
    entries = formlist.fillable_forms(device_user(), project_id, request.args.get("formID") or None)
    verbose = request.args.get("verbose", "").lower() in ("true", "1", "yes")
    return xml_response(formlist.form_list_xml(entries, verbose=verbose))


@bp.get("/odk/forms/<int:form_id>/versions/<int:version_id>/form.xml")
@device_login_required
def download_form(form_id: int, version_id: int):
    """The XForm of a version, byte for byte what the form list's md5 hash describes."""
    version = formlist.served_version(device_user(), form_id, version_id)
    if version is None:
        return _not_found()
    return xml_response(version.xform.encode())


@bp.get("/odk/forms/<int:form_id>/versions/<int:version_id>/manifest")
@openrosa_request
@device_login_required
def form_manifest(form_id: int, version_id: int):
    """The media files and datasets of a version, with their md5 hashes."""
    version = formlist.served_version(device_user(), form_id, version_id)
    if version is None:
        return _not_found()
    return xml_response(manifest.manifest_xml(manifest.media_files(device_user(), version)))


@bp.get("/odk/forms/<int:form_id>/versions/<int:version_id>/media/<path:name>")
@device_login_required
def download_media(form_id: int, version_id: int, name: str):
    """One file of a version's manifest."""
    version = formlist.served_version(device_user(), form_id, version_id)
    media = manifest.media_content(device_user(), version, name) if version is not None else None
    if media is None:
        return _not_found()
    response = Response(media.content, mimetype=media.mimetype)
    response.set_etag(media.md5)
    return with_protocol_headers(response.make_conditional(request))


@bp.route("/submission", methods=("GET", "HEAD", "POST"))
@bp.route(
    "/odk/projects/<int:project_id>/submission",
    methods=("GET", "HEAD", "POST"),
    endpoint="project_submission",
)
@openrosa_request
@device_login_required
def submission(project_id: int | None = None):
    """HEAD (and GET) answer 204 with the size limit; POST records a multipart submission."""
    if request.method != "POST":
        return no_content()
    try:
        received = receiving.read_submission()
        accepted = submitting.accept(device_credential(), project_id, received, str(get_locale()))
    except (receiving.ReceivingError, submitting.Refusal) as exc:
        return message_response(str(exc), exc.status)
    message = _("Form received.") if accepted.created else _("This form had already been received.")
    return message_response(message, 201, nature="submit_success")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge):
    """A body over the limit: ODK Collect sends a large submission in parts no bigger than it."""
    with force_locale(protocol_language()):
        size = receiving.megabytes(accept_content_length())
        return message_response(_("The submission is larger than %(size)s MB.", size=size), 413)


def _not_found() -> Response:
    return message_response(_("There is no such form or file, or you may not fill it in."), 404)
