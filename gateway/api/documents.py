"""Printed documents of an inspection: the on-site record (现场检查记录) and the order to rectify
within a time limit (责令限期整改指令书), as PDF. Each reads the inspection as the caller may see
it, so a document is refused exactly where the record is."""

from flask.views import MethodView

from gateway import documents
from gateway.blueprint import ServiceBlueprint
from gateway.interchange import PDF_TYPE, pdf_download
from gateway.platform import platform
from services.kit.pure.errors import Conflict

blp = ServiceBlueprint(
    "documents",
    __name__,
    url_prefix="/api/v1",
    description="Printed documents (PDF) of inspections",
)
PDF = {"type": "string", "format": "binary"}


def _completed(identifier):
    """The inspection and its enterprise, once the inspection is completed."""
    anjian = platform()
    inspection = anjian.call("inspection", "get_inspection", identifier)
    if inspection["state"] != "completed":
        raise Conflict("the inspection is still open: its documents follow its completion")
    return anjian, inspection, anjian.call("registry", "get", inspection["uscc"])


def _wording(anjian, rule):
    return anjian.rules.value(rule, anjian.settings.clock().today())


@blp.route("/inspections/<string:identifier>/record.pdf")
class InspectionRecord(MethodView):
    @blp.response(200, PDF, content_type=PDF_TYPE)
    def get(self, identifier):
        """The on-site inspection record (Safety Law Art. 68) of a completed inspection"""
        anjian, inspection, enterprise = _completed(identifier)
        made = documents.inspection_record(
            anjian.settings.document_font,
            _wording(anjian, "documents.inspection_record"),
            inspection,
            enterprise,
        )
        return pdf_download(made, f"inspection-record-{identifier}.pdf")


@blp.route("/inspections/<string:identifier>/rectification-order.pdf")
class RectificationOrder(MethodView):
    @blp.response(200, PDF, content_type=PDF_TYPE)
    def get(self, identifier):
        """The order to rectify the hazards an inspection found within their time limits"""
        anjian, inspection, enterprise = _completed(identifier)
        if not inspection["findings"]:
            raise Conflict("the inspection found no hazard: there is nothing to order")
        made = documents.rectification_order(
            anjian.settings.document_font,
            _wording(anjian, "documents.rectification_order"),
            inspection,
            enterprise,
            inspection["completed_at"][:10],
        )
        return pdf_download(made, f"rectification-order-{identifier}.pdf")
