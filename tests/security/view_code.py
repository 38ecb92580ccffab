"""Which routes take uploads and which answer with downloads, found by reading the views' code.

A route takes uploads when its view, or a function of the app it calls, reads `request.files` or the data
of a form's file field; it answers with a download when that code sets Content-Disposition or sends a file.
A new route of either kind shows up here without anyone listing it, and fails tests/security/test_uploads.py
or test_exports.py until it is covered.
"""

import inspect
import re
import types
from collections.abc import Callable, Iterator

from flask import Flask
from flask_wtf import FlaskForm
from flask_wtf.file import FileField


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _file_field_names() -> set[str]:
    """The attribute names of every file field of the app's Flask-WTF forms (xlsform, data_file, ...)."""
    names = set()
    for form in _subclasses(FlaskForm):
        for name, value in vars(form).items():
            field_class = getattr(value, "field_class", None)
            if isinstance(field_class, type) and issubclass(field_class, FileField):
                names.add(name)
    return names


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _codes(constant)


def view_reads(
    function: Callable, reads: Callable[[str], bool], seen: set | None = None, depth: int = 0
) -> bool:
    """Whether `function`, or an app function it names (directly or as module.attribute), reads a file."""
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    if function in seen or depth > 5 or not getattr(function, "__module__", "").startswith("app"):
        return False
    seen.add(function)
    try:
        if reads(inspect.getsource(function)):
            return True
    except (OSError, TypeError):
        return False
    names = {name for code in _codes(function.__code__) for name in code.co_names}
    called: list[Callable] = []
    for name in names:
        value = function.__globals__.get(name)
        if isinstance(value, types.FunctionType):
            called.append(value)
        elif isinstance(value, types.ModuleType) and value.__name__.startswith("app"):
            called += [
                getattr(value, n) for n in names if isinstance(getattr(value, n, None), types.FunctionType)
            ]
    return any(view_reads(other, reads, seen, depth + 1) for other in called)


def upload_endpoints(app: Flask) -> set[str]:
    """The endpoints of the POST routes whose views read an uploaded file."""
    names = "|".join(sorted(_file_field_names()))
    fields = re.compile(rf"\.({names})\.data\b")

    def reads(source: str) -> bool:
        return "request.files" in source or bool(fields.search(source))

    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and view_reads(app.view_functions[rule.endpoint], reads)
    }


_DOWNLOAD = re.compile(r"Content-Disposition|send_file\(|as_attachment")


def download_endpoints(app: Flask) -> set[str]:
    """The endpoints of the GET routes whose views answer with a file to download."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and rule.endpoint != "static"
        and view_reads(app.view_functions[rule.endpoint], lambda source: bool(_DOWNLOAD.search(source)))
    }
