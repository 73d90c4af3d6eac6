"""The gateway's app factory: authentication, jurisdiction, RPC to the services, problem errors."""

import http
import importlib
import logging
import time

import swagger_ui_bundle
from flask import Flask, g, request, send_from_directory
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from gateway import problems
from gateway.api import accounts as accounts_api
from gateway.api import admin, documents, evidence, exports, health, rules, targets
from gateway.api import auth as auth_api
from gateway.auth import authenticate_request, check_secret
from gateway.blueprint import PaginationSchema
from gateway.bodies import GatewayRequest, JsonProvider, apply_route_limit
from gateway.metrics import HTTP_SECONDS
from gateway.platform import Platform
from gateway.web import register as register_console
from services import SERVICES
from services.kit import correlation
from services.kit.config import Settings
from services.kit.mongo import connect
from services.kit.pure.errors import NotDeployed

PUBLIC_PATHS = ("/api/v1/auth/token",)
# Public disclosure: read by anyone, without signing in (rate-limited by its routes).
PUBLIC_PREFIX = "/api/v1/public/"


class DocumentedApi(Api):
    """flask-smorest's Api, documenting errors as the problem+json bodies the gateway sends."""

    ERROR_SCHEMA = problems.ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def _register_pagination_header(self):
        """The X-Pagination header of every list, as gateway/blueprint.py writes it."""
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "the page as JSON: page, page_size, has_more, and total and "
                "total_pages when counted",
                "schema": PaginationSchema,
            },
            lazy=True,
        )


def register_correlation_and_timing(app):
    """Every request gets a correlation id (the caller's `X-Request-Id`, or a new one), sent back
    in the same header and on to the services; and its time is counted by route and status."""

    @app.before_request
    def start():
        g.started = time.monotonic()
        g.correlation_id = correlation.accepted_or_new(request.headers.get(correlation.HEADER))
        g.correlation_token = correlation.bind(g.correlation_id)

    @app.after_request
    def finish(response):
        if "correlation_id" in g:
            response.headers[correlation.HEADER] = g.correlation_id
            route = request.url_rule.rule if request.url_rule else "unmatched"
            HTTP_SECONDS.labels(route, request.method, response.status_code).observe(
                time.monotonic() - g.started
            )
        return response

    @app.teardown_request
    def unbind(error=None):
        if "correlation_token" in g:
            correlation.unbind(g.pop("correlation_token"))


def _blueprints_not_deployed(deployment):
    """{blueprint name: service} of the route modules of services the deployment does not run."""
    return {
        importlib.import_module(module).blp.name: entry.name
        for entry in SERVICES
        if not deployment.runs(entry.name)
        for module in entry.route_modules
    }


def create_app(settings=None):
    settings = settings or Settings.from_env()
    check_secret(settings.jwt_secret)
    app = Flask("gateway")
    app.request_class = GatewayRequest
    app.config.update(
        ANJIAN=settings,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE="anjian",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        # Served from the installed swagger-ui-bundle: no CDN is needed to read the docs.
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Supervision of industry & trade enterprise safety: "
                "registry, inspections, training, permits, credit. "
                "A request body may be as large as the "
                "ANJIAN_MAX_BODY_BYTES setting unless its route states "
                "another limit (a 413 response)."
            },
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "security": [{"bearer": []}],
        },
    )
    app.json = JsonProvider(app)
    app.json.ensure_ascii = False  # names and addresses are Chinese; send them readable
    api = DocumentedApi(app)
    client = connect(settings)
    app.extensions["anjian"] = Platform(settings, client)

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_assets(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    register_correlation_and_timing(app)
    app.before_request(apply_route_limit)
    undeployed = _blueprints_not_deployed(app.extensions["anjian"].deployment)

    @app.before_request
    def refuse_undeployed():
        # Before authentication and input checks: the route's service is not here at all.
        if request.blueprint in undeployed:
            raise NotDeployed(f"the {undeployed[request.blueprint]} service is not deployed here")

    @app.before_request
    def require_token():
        g.actor = None
        if (
            request.path.startswith("/api/v1/")
            and request.path not in PUBLIC_PATHS
            and not request.path.startswith(PUBLIC_PREFIX)
        ):
            authenticate_request()

    api.register_blueprint(auth_api.blp)
    for blueprint in (accounts_api.users, accounts_api.me, accounts_api.account_audit):
        api.register_blueprint(blueprint)
    for entry in SERVICES:
        for module in entry.route_modules:
            api.register_blueprint(importlib.import_module(module).blp)
    api.register_blueprint(evidence.blp)
    api.register_blueprint(admin.blp)
    api.register_blueprint(rules.blp)
    api.register_blueprint(targets.blp)
    api.register_blueprint(documents.blp)
    api.register_blueprint(exports.blp)
    app.register_blueprint(health.blp)
    register_console(app)
    # After Api(), so our problem+json handlers replace flask-smorest's default JSON errors.
    problems.register(app)
    logging.getLogger("gateway").setLevel(logging.INFO)
    return app
