// Lists and records: the records behind a number, enterprises and their profile, the hazard
// board and one hazard with its rectification. Every list can be saved as an Excel workbook.

import {
  BUREAU_ROLES,
  GRADE_NAMES,
  HAZARD_STATES,
  api,
  download,
  failure,
  go,
  h,
  onSubmit,
  params,
  readable,
  recordLink,
  session,
  page,
  table,
  upload,
} from "./dom.js";

// A list the API answers, with a button that saves all of it (not only this page) as .xlsx.
function exportButton(path, filename) {
  const status = h("span", { class: "muted" });
  const button = h("button", { type: "button", class: "secondary" }, "导出 Excel");
  button.addEventListener("click", async () => {
    status.textContent = "正在导出…";
    try {
      await download(`/api/v1/exports/xlsx?path=${encodeURIComponent(path)}`, filename);
      status.textContent = "";
    } catch (error) {
      status.textContent = readable(error);
    }
  });
  return h("div", { class: "actions" }, button, status);
}

async function listPage(show, title, path, filters = null) {
  try {
    const listed = await api(path);
    show(
      h("h1", {}, title),
      filters,
      exportButton(path, `${title}.xlsx`),
      table(listed.items || [], recordLink(path)),
    );
  } catch (error) {
    show(h("h1", {}, title), filters, failure(error));
  }
}

export async function records() {
  const show = page();
  const query = params();
  const path = query.get("path") || "";
  const title = query.get("title") || "记录";
  if (!path.startsWith("/api/v1/")) {
    show(h("h1", {}, title), h("p", { class: "error" }, "链接无效。"));
    return;
  }
  await listPage(show, title, path);
}

export async function enterprises() {
  const show = page();
  const query = params();
  const filters = h(
    "form",
    { class: "filters" },
    h("label", {}, "名称", h("input", { name: "q", value: query.get("q") || "" })),
    h("button", { type: "submit" }, "查询"),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    go(`#/enterprises?q=${encodeURIComponent(new FormData(filters).get("q"))}`);
  });
  const q = query.get("q");
  await listPage(
    show,
    "企业",
    `/api/v1/enterprises${q ? `?q=${encodeURIComponent(q)}` : ""}`,
    filters,
  );
}

// One part of a profile; a service this deployment does not run leaves a note, not a failure.
async function section(title, path) {
  try {
    const listed = await api(path);
    return h(
      "section",
      { class: "card" },
      h("h2", {}, title),
      table(listed.items || [], recordLink(path)),
    );
  } catch (error) {
    const note = [503, 504].includes(error.status) ? "未部署或暂不可用" : readable(error);
    return h("section", { class: "card" }, h("h2", {}, title), h("p", { class: "muted" }, note));
  }
}

export async function profile(uscc) {
  const show = page();
  let enterprise;
  try {
    enterprise = await api(`/api/v1/enterprises/${encodeURIComponent(uscc)}`);
  } catch (error) {
    show(h("h1", {}, "企业档案"), failure(error));
    return;
  }
  const facts = [
    ["统一社会信用代码", enterprise.uscc],
    ["地区", enterprise.region_code],
    ["行业", enterprise.industry],
    ["地址", enterprise.address],
    ["状态", enterprise.status],
  ];
  const code = encodeURIComponent(uscc);
  const sections = await Promise.all([
    section("隐患", `/api/v1/hazards?uscc=${code}`),
    section("检查", `/api/v1/inspections?uscc=${code}`),
    section("证书", `/api/v1/certificates?uscc=${code}`),
  ]);
  show(
    h("h1", {}, enterprise.name),
    h(
      "dl",
      { class: "card facts" },
      facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value ?? "")]),
    ),
    sections,
  );
}

export async function hazards() {
  const show = page();
  const path = "/api/v1/hazards?page_size=200";
  try {
    const listed = await api(path);
    const groups = Object.entries(HAZARD_STATES)
      .map(([state, title]) => [title, listed.items.filter((item) => item.state === state)])
      .filter(([, items]) => items.length)
      .map(([title, items]) =>
        h(
          "section",
          { class: "card" },
          h("h2", {}, `${title}（${items.length}）`),
          table(items, recordLink(path)),
        ),
      );
    show(
      h("h1", {}, "隐患看板"),
      exportButton(path, "隐患.xlsx"),
      groups.length
        ? h("div", { class: "board" }, groups)
        : h("p", { class: "muted" }, "暂无隐患。"),
    );
  } catch (error) {
    show(h("h1", {}, "隐患看板"), failure(error));
  }
}

// The enterprise closes the loop on site: photos of the rectified place, then the submission.
function rectificationForm(hazard, done) {
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card", id: "rectification" },
    h("h2", {}, "提交整改"),
    h(
      "label",
      {},
      "整改照片",
      h("input", {
        name: "photos",
        type: "file",
        accept: "image/*,application/pdf",
        capture: "environment",
        multiple: true,
        required: true,
      }),
    ),
    h("label", {}, "整改说明", h("textarea", { name: "note", rows: 3, maxlength: 2000 })),
    h("button", { type: "submit" }, "提交"),
    status,
  );
  onSubmit(form, status, async (data) => {
    status.textContent = "正在上传…";
    const evidence = [];
    for (const photo of data.getAll("photos")) {
      evidence.push((await upload(photo, { uscc: hazard.uscc, hazard_id: hazard.id })).id);
    }
    const note = data.get("note");
    await api(`/api/v1/hazards/${hazard.id}/rectification`, {
      method: "POST",
      body: note ? { evidence, note } : { evidence },
    });
    done();
  });
  return form;
}

// The evidence about a hazard: thumbnails of photos, links to other files.
async function evidence(hazardId) {
  try {
    const listed = await api(`/api/v1/evidence?hazard_id=${encodeURIComponent(hazardId)}`);
    if (!listed.items.length) return null;
    return h(
      "section",
      { class: "card" },
      h("h2", {}, `证据（${listed.items.length}）`),
      h(
        "div",
        { class: "gallery" },
        listed.items.map((item) =>
          h(
            "a",
            { href: item.url, target: "_blank", rel: "noopener" },
            item.thumbnail_url
              ? h("img", { src: item.thumbnail_url, alt: item.filename || "现场照片" })
              : item.filename || item.content_type,
          ),
        ),
      ),
    );
  } catch (error) {
    return h("p", { class: "muted" }, readable(error));
  }
}

export async function hazard(identifier) {
  const show = page();
  let found;
  try {
    found = await api(`/api/v1/hazards/${encodeURIComponent(identifier)}`);
  } catch (error) {
    show(h("h1", {}, "隐患"), failure(error));
    return;
  }
  const facts = [
    ["企业", found.enterprise_name],
    ["等级", GRADE_NAMES[found.grade] || found.grade],
    ["状态", HAZARD_STATES[found.state] || found.state],
    ["描述", found.description],
    ["位置", found.location],
    ["整改期限", found.deadline],
    ["已提交整改", String(found.rectifications.length)],
  ];
  const current = session();
  const rectifiable = current.role === "enterprise" && found.state === "rectifying";
  const gallery = await evidence(found.id);
  show(
    h("h1", { class: found.overdue ? "overdue" : null }, found.overdue ? "隐患（已逾期）" : "隐患"),
    h(
      "dl",
      { class: "card facts" },
      facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value ?? "")]),
    ),
    gallery,
    rectifiable ? rectificationForm(found, () => hazard(identifier)) : null,
    BUREAU_ROLES.includes(current.role)
      ? null
      : h("p", {}, h("a", { href: "#/hazards" }, "返回隐患列表")),
  );
}
