"""The pagination header every list route sends, from the page a service returned."""
import json


def pagination_header(result):
    """`X-Pagination`: the page, its size, whether another follows, and the total if counted."""
    header = {"page": result["page"], "page_size": result["page_size"],
              "has_more": result["has_more"]}
    if result.get("total") is not None:
        header["total"] = result["total"]
        header["total_pages"] = -(-result["total"] // result["page_size"])
    return json.dumps(header)
