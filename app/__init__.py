"""Humus web application: the only package that imports Flask."""

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import forms  # noqa: F401 - before anything reads a workbook: it keeps openpyxl on defusedxml
from app import config, database, errors, i18n, permissions, security
from app.extensions import babel, csrf, db, login_manager, migrate
from app.numbers import IdConverter

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the application."""
    app = Flask(
        __name__, instance_relative_config=True, instance_path=os.environ.get("HUMUS_INSTANCE_PATH") or None
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["int"] = IdConverter  # before any route is added: ids past INTEGER answer 404
    config.configure(app, test_config)
    config.check_secret_key(app)
    config.check_case_keys(app)
    if app.config["PROXY_COUNT"]:
        # Behind N trusted proxies, take the client address and scheme from their X-Forwarded headers.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    security.init_app(app)
    permissions.init_app(app)
    login_manager.init_app(app)
    errors.init_app(app)

    from app import admin, api, auth, cli, home, jobs, openrosa, surveys
    from app.cases import web as cases
    from app.monitoring import web as monitoring
    from app.programme import web as programme
    from app.registry import web as registry
    from app.statistics import web as statistics
    from app.training import web as training
    from app.transcripts import web as transcripts

    pages = (auth.bp, home.bp, admin.bp, surveys.bp, cases.bp, registry.bp, monitoring.bp, statistics.bp)
    for blueprint in (*pages, training.bp, transcripts.bp, programme.bp, api.bp, openrosa.bp, jobs.bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app
