"""The web console: one zh-CN page and its script, served by the gateway itself.

Bureaus run on closed government networks, so every asset the console uses ships in this
package and nothing is fetched from elsewhere (no CDN, no web fonts). The page is a thin shell:
its script signs in through `/api/v1/auth/token` and reads the same JSON routes every other
client uses, so the console can do nothing the API would not let the same user do.
"""

from flask import Blueprint, current_app, redirect, render_template

from gateway.platform import platform

web = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)


def policy(settings):
    """Only this origin's own scripts and styles, no inline script; images also from the object
    store, whose short-lived links show evidence thumbnails."""
    store = f"{'https' if settings.minio_secure else 'http'}://{settings.minio_endpoint}"
    return (
        f"default-src 'self'; img-src 'self' data: blob: {store}; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )


@web.get("/")
def console():
    # The menu offers only what this deployment runs.
    page = render_template("console.html", services=" ".join(platform().deployment.services))
    headers = {"Content-Security-Policy": policy(current_app.config["ANJIAN"])}
    return page, 200, {**headers, "Cache-Control": "no-cache"}


def register(app):
    app.register_blueprint(web)
    # The page a confined-space QR code opens (the permits service's `scan_url`).
    app.add_url_rule("/scan", "scan_page", console)

    @app.get("/")
    def home():
        return redirect("/console/")
