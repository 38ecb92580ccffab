"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

The document is data written by hand next to the routes it describes: a test compares its paths and
methods with the URL map, so a route added without being described fails the suite, and a schemathesis run
(tests/security/test_api_schemathesis.py) checks that the answers keep to the statuses and shapes below.
"""

from functools import cache
from typing import Any

from flask import Response, jsonify, request

from app.api import bp
from app.api.openapi_schemas import SCHEMAS, Schema, ref

MAX_AGE = 3600  # seconds: the document changes only with a deployment


def json_content(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _response(name: str) -> Schema:
    return {"$ref": f"#/components/responses/{name}"}


def _json_any(names: tuple[str, ...], description: str) -> Schema:
    return json_content({"anyOf": [ref(name) for name in names]}, description)


def _path_id(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1, "example": 1},
    }


def _path_text(name: str, description: str, example: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1, "example": example},
    }


def _query(name: str, description: str, schema: Schema | None = None) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


FORM_ID = _path_id("form_id", "The form's id (`id` in the form listing).")
JOB_ID = _path_id("job_id", "A job's id, as the export answered it.")
VERSION = _path_text("version", "A version string of the form (`version` in the form's versions).", "1")
ATTACHMENT = _path_text(
    "name", "The file name the version expects (for example a CSV dataset).", "comuni.csv"
)

RESPONSES: dict[str, Schema] = {
    "Unauthorized": {
        **json_content(ref("Error"), "No valid token: missing, unknown or revoked."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    },
    "NotFound": json_content(
        ref("Error"), "No such object among those the token's user may see (out of scope too)."
    ),
}

STATISTICS_PARAMETERS = [
    _query("source", "What is counted.", {"type": "string", "enum": ["cases", "form"]}),
    _query(
        "count",
        "With source=cases: each case once, or each intervention.",
        {"type": "string", "enum": ["cases", "interventions"]},
    ),
    _query("form", "With source=form: the form's id.", {"type": "string", "pattern": "^[0-9]{1,11}$"}),
    _query("by", "Up to three breakdowns, comma-separated (one territorial), for example `ambito,sesso`."),
    _query(
        "unit", "The period breakdown's unit.", {"type": "string", "enum": ["quarter", "semester", "year"]}
    ),
    _query("from", "First day counted.", {"type": "string", "format": "date"}),
    _query("to", "Last day counted.", {"type": "string", "format": "date"}),
    _query("service", "With source=cases: only this type of intervention."),
    _query(
        "area", "Only this territory: an org unit's code, or `zona:<code>`; outside one's scope it is 404."
    ),
    _query("sensitive", "Ask for the stricter disclosure threshold.", {"type": "string", "enum": ["1", ""]}),
    _query("percent", "`total`, or a breakdown to work out percentages along."),
    _query(
        "rates",
        "Rates per 1,000 minors, where population figures are loaded.",
        {"type": "string", "enum": ["1", ""]},
    ),
    _query("date_field", "With source=form: the date field dating a submission."),
    _query("measure", "With source=form: an integer field to sum instead of counting."),
    _query("num", "An indicator's numerator: `field:choice` conditions, comma-separated."),
    _query("den", "An indicator's denominator, as `num`."),
    _query("per", "An indicator per 100 or per 1000.", {"type": "string", "enum": ["100", "1000"]}),
]


def _operation(summary: str, responses: dict[str, Schema], **extra: Any) -> Schema:
    """An authenticated operation: every one of them may answer 401."""
    return {"summary": summary, **extra, "responses": {**responses, "401": _response("Unauthorized")}}


def _multipart(properties: dict[str, Schema], required: tuple[str, ...]) -> Schema:
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _json_body(name: str) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def _recording(not_found: Schema) -> dict[str, Schema]:
    """The answers of the two calls that record a submission."""
    return {
        "201": json_content(ref("Recorded"), "Stored."),
        "200": json_content(
            ref("Recorded"), "The same instanceID with the same content: nothing new stored."
        ),
        "403": json_content(ref("FieldErrors"), "The user may not fill in forms of this project."),
        "404": not_found,
        "409": json_content(
            ref("FieldErrors"),
            "The same instanceID with different content, or a version that takes no such submission.",
        ),
        "422": json_content(
            ref("FieldErrors"),
            "Invalid answers, text no XML instance can hold (NUL, control characters), or no JSON object "
            "with `data`: nothing stored.",
        ),
    }


TOO_LARGE = json_content(ref("Error"), "The upload is larger than the server accepts (MAX_CONTENT_LENGTH).")

PATHS: dict[str, dict[str, Schema]] = {
    "/api/v1/openapi.json": {
        "get": {
            "summary": "This document.",
            "security": [],
            "responses": {"200": json_content({"type": "object"}, "The OpenAPI document.")},
        }
    },
    "/api/v1/me": {
        "get": _operation(
            "Who the token belongs to, with roles and scopes.", {"200": json_content(ref("Me"), "The user.")}
        )
    },
    "/api/v1/forms": {
        "get": _operation(
            "The forms of the projects the token's user works in.",
            {"200": json_content({"type": "array", "items": ref("FormSummary")}, "The forms, by title.")},
        ),
        "post": _operation(
            "Upload an XLSForm: a new form, or a new version of one.",
            {
                "201": json_content(ref("UploadedForm"), "Stored."),
                "400": json_content(
                    ref("FormErrors"), "The workbook has problems, located by sheet, row and column."
                ),
                "403": json_content(ref("FormErrors"), "The user may not design forms."),
                "413": TOO_LARGE,
            },
            parameters=[
                _query(
                    "publish",
                    "Publish the new version (`true`).",
                    {"type": "string", "enum": ["true", "false"]},
                ),
                _query(
                    "confirm",
                    "Publish even if it reshapes data (`true`).",
                    {"type": "string", "enum": ["true", "false"]},
                ),
            ],
            requestBody=_multipart(
                {
                    "xlsform": {
                        "type": "string",
                        "format": "binary",
                        "description": "The XLSForm (.xlsx, .xls, .md).",
                    },
                    "project": {
                        "type": "string",
                        "description": "The project's code or id, if more than one.",
                    },
                },
                ("xlsform",),
            ),
        ),
    },
    "/api/v1/forms/{form_id}": {
        "get": _operation(
            "One form with its versions.",
            {"200": json_content(ref("Form"), "The form."), "404": _response("NotFound")},
            parameters=[FORM_ID],
        )
    },
    "/api/v1/forms/{form_id}/submissions": {
        "get": _operation(
            "The form's submissions inside the user's scope.",
            {
                "200": json_content({"type": "array", "items": ref("Submission")}, "The submissions."),
                "404": _response("NotFound"),
            },
            parameters=[FORM_ID],
        ),
        "post": _operation(
            "Record a submission, checked by the form engine.",
            _recording(_response("NotFound")),
            parameters=[FORM_ID],
            requestBody=_json_body("NewSubmission"),
        ),
    },
    "/api/v1/forms/{form_id}/versions/{version}/test-submissions": {
        "post": _operation(
            "Record a test submission to a draft version, kept apart from real data.",
            _recording(
                _json_any(("Error", "FieldErrors"), "No such form, or no such version (with a message).")
            ),
            parameters=[FORM_ID, VERSION],
            requestBody=_json_body("NewSubmission"),
        )
    },
    "/api/v1/forms/{form_id}/versions/{version}/attachments/{name}": {
        "post": _operation(
            "Upload a file a version expects.",
            {
                "201": json_content(ref("Attachment"), "Stored."),
                "400": json_content(ref("FormErrors"), "Not a file this version uses, or not a valid one."),
                "404": _json_any(
                    ("Error", "FormErrors"), "No such form, or no such version (with a message)."
                ),
                "413": TOO_LARGE,
            },
            parameters=[FORM_ID, VERSION, ATTACHMENT],
            requestBody=_multipart({"file": {"type": "string", "format": "binary"}}, ("file",)),
        )
    },
    "/api/v1/forms/{form_id}/exports": {
        "post": _operation(
            "Start an export of the submissions the user may read.",
            {
                "202": json_content(ref("Job"), "The job, queued."),
                "400": json_content(ref("Messages"), "Options that make no sense."),
                "404": _response("NotFound"),
            },
            parameters=[FORM_ID],
            requestBody=_json_body("ExportRequest"),
        )
    },
    "/api/v1/jobs/{job_id}": {
        "get": _operation(
            "A job of the token's user.",
            {"200": json_content(ref("Job"), "The job."), "404": _response("NotFound")},
            parameters=[JOB_ID],
        )
    },
    "/api/v1/jobs/{job_id}/download": {
        "get": _operation(
            "The file a finished job made.",
            {
                "200": {
                    "description": "The file.",
                    "content": {
                        media: {"schema": {"type": "string", "format": "binary"}}
                        for media in (
                            "application/zip",
                            "text/csv",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            "application/octet-stream",
                        )
                    },
                },
                "404": _response("NotFound"),
            },
            parameters=[JOB_ID],
        )
    },
    "/api/v1/statistics": {
        "get": _operation(
            "A disclosure-controlled table over the user's statistics scope.",
            {
                "200": json_content(ref("Statistics"), "The table."),
                "400": json_content(ref("Messages"), "A table that cannot be made from what was asked."),
                "403": json_content(ref("Messages"), "The user may not read statistics."),
                "404": json_content(ref("Messages"), "No such form or territory in scope."),
            },
            parameters=STATISTICS_PARAMETERS,
        )
    },
    "/api/v1/statistics/standard": {
        "get": _operation(
            "Every table of the standard report for a period and territory.",
            {
                "200": json_content(ref("StandardReport"), "The report."),
                "400": json_content(ref("Messages"), "A report that cannot be made from what was asked."),
                "403": json_content(ref("Messages"), "The user may not read statistics."),
                "404": json_content(ref("Messages"), "No such form or territory in scope."),
            },
            parameters=STATISTICS_PARAMETERS,
        )
    },
}


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document; built once, since it is constant for a running release."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Humus API",
            "version": "1",
            "description": "Forms, submissions, exports and statistics. Objects outside the token user's "
            "scope answer 404, exactly like missing ones.",
        },
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal token (`hms_…`) made on the account page or with "
                    "`flask humus create-token`.",
                }
            },
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document: public, and cacheable by anyone since it holds nothing about users."""
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)
