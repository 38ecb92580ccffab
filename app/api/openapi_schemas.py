"""The shapes of /api/v1's bodies, as JSON Schema: the `components/schemas` of its OpenAPI document."""

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(type_name: str) -> Schema:
    return {"type": [type_name, "null"]}


def obj(properties: dict[str, Schema], required: tuple[str, ...] | None = None) -> Schema:
    """An object with these properties, all of them required unless `required` says which."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
    }


SCHEMAS: dict[str, Schema] = {
    "Error": obj({"error": {"type": "string"}, "message": {"type": "string"}}),
    "FieldErrors": obj(
        {
            "errors": {
                "type": "array",
                "items": obj({"field": nullable("string"), "message": {"type": "string"}}),
            }
        }
    ),
    "Problem": obj(
        {
            "sheet": nullable("string"),
            "row": nullable("integer"),
            "column": nullable("string"),
            "message": {"type": "string"},
        }
    ),
    "FormErrors": obj({"errors": {"type": "array", "items": ref("Problem")}}),
    "Messages": obj({"errors": {"type": "array", "items": obj({"message": {"type": "string"}})}}),
    "Role": obj({"role": {"type": "string"}, "project": nullable("string"), "org_unit": nullable("string")}),
    "Me": obj(
        {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "roles": {"type": "array", "items": ref("Role")},
        }
    ),
    "FormSummary": obj(
        {
            "id": {"type": "integer"},
            "form_id": {"type": "string", "description": "The XLSForm's form_id."},
            "title": {"type": "string"},
            "project": {"type": "string", "description": "The project's code."},
            "version": {"type": "string", "description": "The published version, else the latest."},
            "url": {"type": "string", "format": "uri"},
            "fill_url": {"type": "string", "format": "uri", "description": "Where an operator fills it in."},
        }
    ),
    "FormVersion": obj(
        {
            "version": {"type": "string"},
            "status": {"type": "string", "enum": ["draft", "published", "superseded"]},
            "published_at": {**nullable("string"), "format": "date-time"},
        }
    ),
    "Change": obj(
        {
            "code": {"type": "string"},
            "path": {"type": "string"},
            "reshapes": {"type": "boolean"},
            "message": {"type": "string"},
        }
    ),
    "Attachment": obj({"name": {"type": "string"}, "md5": {"type": "string"}, "size": {"type": "integer"}}),
    "NewSubmission": obj(
        {
            "data": {
                "type": "object",
                "description": "Answers keyed by field name: groups as objects, repeats as lists of "
                "objects, select_multiple as a list.",
            },
            "instanceID": {"type": "string", "example": "uuid:7d1c2f1e-0000-4000-8000-000000000001"},
            "org_unit": {
                "type": "string",
                "description": "The org unit's code, when the submitter has several.",
            },
        },
        required=("data",),
    ),
    "Recorded": obj(
        {"id": {"type": "integer"}, "instanceID": {"type": "string"}, "test": {"type": "boolean"}}
    ),
    "Submission": obj(
        {
            "id": {"type": "integer"},
            "instanceID": {"type": "string"},
            "version": {"type": "string"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "org_unit": nullable("string"),
            "review_state": {
                "type": "string",
                "enum": ["received", "edited", "has_issues", "approved", "rejected"],
            },
            "data": {"type": "object"},
        }
    ),
    "ExportRequest": obj(
        {
            "format": {"type": "string", "enum": ["csv", "xlsx", "sav", "dta"], "default": "csv"},
            "labels": {"type": "boolean", "default": False},
            "language": nullable("string"),
            "split_multiple": {"type": "boolean", "default": False},
            "all_versions": {"type": "boolean", "default": True},
            "filter": {
                "type": "object",
                "description": "The submissions table's query string, field by field: only its rows.",
                "additionalProperties": {"type": ["string", "array"], "items": {"type": "string"}},
            },
        },
        required=(),
    ),
    "Job": obj(
        {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "done": {"type": "integer"},
            "total": nullable("integer"),
            "percent": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "message": nullable("string"),
            "url": {"type": "string", "format": "uri"},
            "download_url": {"type": ["string", "null"], "format": "uri"},
        }
    ),
    "StatTable": obj(
        {
            "title": {"type": "string"},
            "dimensions": {"type": "array", "items": {"type": "string"}},
            "rows": {
                "type": "array",
                "description": "One row per cell: its dimensions' codes, `value` (null when suppressed) and "
                "`status` (`published`, `primary`, `secondary`), with `percent`, `rate_per_1000` and "
                "`indicator` when asked for.",
                "items": {"type": "object", "required": ["value", "status"]},
            },
            "threshold": {"type": "integer"},
            "sensitive": {"type": "boolean"},
            "measure": nullable("string"),
            "indicator": {
                "oneOf": [
                    {"type": "null"},
                    obj(
                        {
                            "numerator": {"type": "array", "items": {"type": "object"}},
                            "denominator": {"type": "array", "items": {"type": "object"}},
                            "per": {"type": "integer"},
                            "label": {"type": "string"},
                        }
                    ),
                ]
            },
            "population_year": nullable("integer"),
            "area": nullable("string"),
            "labels": {"type": "object"},
            "notes": {"type": "array", "items": {"type": "string"}},
            "query": {"type": "object", "additionalProperties": {"type": "string"}},
        }
    ),
}
SCHEMAS["Form"] = {
    "allOf": [ref("FormSummary"), obj({"versions": {"type": "array", "items": ref("FormVersion")}})]
}
SCHEMAS["UploadedForm"] = {
    "allOf": [
        ref("FormSummary"),
        obj(
            {
                "uploaded_version": {"type": "string"},
                "status": {"type": "string", "enum": ["draft", "published", "superseded"]},
                "changes": {"type": "array", "items": ref("Change")},
                "warnings": {"type": "array", "items": ref("Problem")},
            }
        ),
    ]
}
SCHEMAS["Statistics"] = {
    "allOf": [ref("StatTable"), obj({"warnings": {"type": "array", "items": {"type": "string"}}})]
}
SCHEMAS["StandardReport"] = obj(
    {
        "title": {"type": "string"},
        "area": nullable("string"),
        "tables": {
            "type": "array",
            "items": {"allOf": [ref("StatTable"), obj({"name": {"type": "string"}})]},
        },
        "warnings": {"type": "array", "items": {"type": "string"}},
    }
)
