"""The house blueprint: answers go out as the service dumped them, lists carry one header."""
import json

from flask import Flask
from flask_smorest import Api
from marshmallow import Schema, fields

from gateway.blueprint import PAGINATION_HEADER, ServiceBlueprint, paginated, pagination_header


class Answer(Schema):
    name = fields.String()


def test_an_answer_is_documented_but_not_dumped_again():
    app = Flask("test")
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    blp = ServiceBlueprint("things", __name__)

    @blp.route("/thing", methods=["POST"])
    @blp.response(201, Answer)
    def thing():
        return {"name": "甲", "added_by_the_service": 1}, {"Location": "/thing/1"}

    Api(app).register_blueprint(blp)
    reply = app.test_client().post("/thing")
    assert (reply.status_code, reply.headers["Location"]) == (201, "/thing/1")
    assert reply.get_json() == {"name": "甲", "added_by_the_service": 1}


def test_a_page_gets_its_number_and_size_in_the_body_and_the_header():
    body, headers = paginated({"items": [], "has_more": True, "total": 41},
                              {"page": 2, "page_size": 20})
    assert (body["page"], body["page_size"]) == (2, 20)
    assert json.loads(headers[PAGINATION_HEADER]) == {
        "page": 2, "page_size": 20, "has_more": True, "total": 41, "total_pages": 3}


def test_an_uncounted_page_has_no_total_in_its_header():
    header = pagination_header({"page": 1, "page_size": 20, "has_more": False, "total": None})
    assert json.loads(header) == {"page": 1, "page_size": 20, "has_more": False}
