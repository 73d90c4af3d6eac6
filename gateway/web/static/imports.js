// Imports from .xlsx or .csv: the upload's progress, then what became of each row.

import { BUREAU_ROLES, Problem, h, readable, session, page } from "./dom.js";

const IMPORTS = [
  {
    path: "/api/v1/enterprises/import",
    title: "企业导入",
    roles: ["admin", "regulator", "inspector"],
  },
  {
    path: "/api/v1/training/import",
    title: "培训台账导入",
    roles: ["admin", "regulator", "inspector", "enterprise"],
  },
];

// fetch() reports no upload progress; XMLHttpRequest does.
function send(path, file, progress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    request.setRequestHeader("Authorization", `Bearer ${session().token}`);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = event.loaded / event.total;
    });
    request.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = null;
      }
      if (request.status >= 200 && request.status < 300) resolve(body);
      else reject(new Problem(request.status, body));
    });
    request.addEventListener("error", () => reject(new Error("network")));
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

function report(result) {
  const problems = result.rows.filter((line) => line.result === "invalid");
  return h(
    "div",
    { class: "report" },
    h(
      "p",
      {},
      `新增 ${result.created} 行，已存在 ${result.existing} 行，有误 ${result.invalid} 行。`,
    ),
    problems.length
      ? h(
          "div",
          { class: "scroll" },
          h(
            "table",
            {},
            h(
              "thead",
              {},
              h("tr", {}, h("th", {}, "工作表"), h("th", {}, "行"), h("th", {}, "错误")),
            ),
            h(
              "tbody",
              {},
              problems.map((line) =>
                h(
                  "tr",
                  {},
                  h("td", {}, line.sheet || ""),
                  h("td", {}, String(line.row)),
                  h(
                    "td",
                    {},
                    Object.entries(line.errors || {})
                      .map(([column, messages]) => `${column}：${[].concat(messages).join("；")}`)
                      .join("　"),
                  ),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

function importForm(entry) {
  const progress = h("progress", { max: 1, value: 0 });
  const outcome = h("div", { role: "status" });
  const form = h(
    "form",
    { class: "card", "data-import": entry.path },
    h("h2", {}, entry.title),
    h(
      "label",
      {},
      "文件（.xlsx 或 .csv）",
      h("input", { name: "file", type: "file", accept: ".xlsx,.csv", required: true }),
    ),
    h("button", { type: "submit" }, "导入"),
    progress,
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    progress.value = 0;
    outcome.replaceChildren("正在上传并逐行校验…");
    try {
      const result = await send(entry.path, new FormData(form).get("file"), progress);
      progress.value = 1;
      outcome.replaceChildren(report(result));
    } catch (error) {
      outcome.replaceChildren(h("p", { class: "error", role: "alert" }, readable(error)));
    }
  });
  return form;
}

export function imports() {
  const show = page();
  const role = session().role;
  const allowed = IMPORTS.filter((entry) => entry.roles.includes(role));
  show(
    h("h1", {}, "数据导入"),
    allowed.length ? allowed.map(importForm) : h("p", { class: "muted" }, "您的角色没有导入权限。"),
    BUREAU_ROLES.includes(role)
      ? h("p", { class: "muted" }, "导出的表格可修改后再次导入；已存在的记录不会重复创建。")
      : null,
  );
}
