"""The web console: one zh-CN page and its script, served by the gateway itself.

Bureaus run on closed government networks, so every asset the console uses ships in this
package and nothing is fetched from elsewhere (no CDN, no web fonts). The page is a thin shell:
its script signs in through `/api/v1/auth/token` and reads the same JSON routes every other
client uses, so the console can do nothing the API would not let the same user do.
"""

from flask import Blueprint, redirect, render_template

web = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)

# Only this origin's own scripts, styles and images; no inline script.
POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@web.get("/")
def console():
    page = render_template("console.html")
    return page, 200, {"Content-Security-Policy": POLICY, "Cache-Control": "no-cache"}


def register(app):
    app.register_blueprint(web)

    @app.get("/")
    def home():
        return redirect("/console/")
