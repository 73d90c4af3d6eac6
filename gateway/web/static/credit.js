// The untrustworthy list: the bureau's cases, and the public disclosure anyone may search.

import { api, failure, go, h, page, params, readable, table } from "./dom.js";

const STATUS = {
  candidate: "待告知",
  notified: "已告知",
  representation_received: "已陈述申辩",
  decided: "已决定列入",
  published: "已公布",
  repair_applied: "信用修复申请中",
  removed: "已移出",
  dismissed: "不予列入",
};

export async function creditCases() {
  const show = page();
  try {
    const listed = await api("/api/v1/credit/cases?page_size=100");
    const rows = listed.items.map((item) => ({
      ...item,
      status: STATUS[item.status] || item.status,
    }));
    show(h("h1", {}, "失信名单案件"), h("section", { class: "card" }, table(rows)));
  } catch (error) {
    show(h("h1", {}, "失信名单案件"), failure(error));
  }
}

// No sign-in: published listings within their term, by name or USCC.
export async function disclosure() {
  const show = page();
  const query = params();
  const search = h(
    "form",
    { class: "filters", id: "disclosure" },
    h(
      "label",
      {},
      "企业名称或统一社会信用代码",
      h("input", {
        name: "q",
        value: query.get("q") || "",
        required: true,
        minlength: 2,
        maxlength: 50,
      }),
    ),
    h("button", { type: "submit" }, "查询"),
  );
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    go(`#/public?q=${encodeURIComponent(new FormData(search).get("q").trim())}`);
  });
  const wanted = (query.get("q") || "").trim();
  if (!wanted) {
    show(h("h1", {}, "严重失信主体名单公示"), search);
    return;
  }
  const filter = /^[0-9A-Z]{18}$/.test(wanted)
    ? `uscc=${wanted}`
    : `q=${encodeURIComponent(wanted)}`;
  try {
    const found = await api(`/api/v1/public/untrustworthy?${filter}`);
    const rows = found.items.map((item) => ({
      name: item.unit_name,
      credit_code: item.uscc,
      kind: item.listing_case_name,
      status: `${item.term_start} 至 ${item.term_end}`,
      description: `${item.decision_number}（${item.authority}）`,
    }));
    show(
      h("h1", {}, "严重失信主体名单公示"),
      search,
      h(
        "section",
        { class: "card", id: "listings" },
        rows.length ? table(rows) : h("p", {}, "未查到公示中的严重失信主体。"),
      ),
    );
  } catch (error) {
    show(
      h("h1", {}, "严重失信主体名单公示"),
      search,
      h("p", { class: "error", role: "alert" }, readable(error)),
    );
  }
}
