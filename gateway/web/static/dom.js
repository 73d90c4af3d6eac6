// What every page of the console shares: building nodes, calling the API, reading its errors.
// Every text node is built with `h`, never from HTML strings, so nothing a record contains can
// run as script.

export const main = document.getElementById("main");

export const ROLE_NAMES = {
  admin: "系统管理员",
  regulator: "监管部门",
  inspector: "执法人员",
  auditor: "审计人员",
  enterprise: "企业用户",
  agency: "第三方机构",
};
export const BUREAU_ROLES = ["admin", "regulator", "inspector", "auditor"];
export const STATE_NAMES = { not_deployed: "未部署", unavailable: "暂不可用" };

// Whether this deployment runs `service` (the page names the services it runs).
export function deployed(service) {
  return document.body.dataset.services.split(" ").includes(service);
}
export const HAZARD_STATES = {
  reported: "已报告",
  plan_approved: "方案已批准",
  suspended: "停产整改",
  rectifying: "整改中",
  submitted: "整改待验收",
  assessed: "已评估",
  resume_applied: "申请复产",
  closed: "已销号",
};
export const GRADE_NAMES = { major: "重大事故隐患", general: "一般隐患" };

// --- plumbing --------------------------------------------------------------------------------

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function session() {
  const raw = sessionStorage.getItem("anjian.session");
  return raw ? JSON.parse(raw) : null;
}

export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// What a person reads when a request fails: never a stack trace, never a blank page.
export function readable(error) {
  if (!(error instanceof Problem)) return "网络连接失败，请稍后重试。";
  const detail = error.body?.detail ? `（${error.body.detail}）` : "";
  switch (error.status) {
    case 400:
    case 422:
      return `输入有误${detail}`;
    case 401:
      return "登录已失效，请重新登录。";
    case 403:
      return "您没有权限查看或办理此项。";
    case 404:
      return "未找到该记录，或不在您的辖区内。";
    case 409:
      return `当前状态不允许此操作${detail}`;
    case 429:
      return "请求过于频繁，请稍后再试。";
    default:
      return "服务暂不可用，请稍后重试。";
  }
}

export async function api(path, options = {}) {
  const current = session();
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (current) headers.Authorization = `Bearer ${current.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const body = response.headers.get("Content-Type")?.includes("json")
    ? await response.json()
    : null;
  if (response.status === 401 && current) {
    sessionStorage.removeItem("anjian.session");
    go("#/login");
  }
  if (!response.ok) throw new Problem(response.status, body);
  return body;
}

export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

let latest = 0;

// A page's way to put itself on screen. Pages load asynchronously, so one the user has already
// left may finish after the next has started: only the newest page's output is shown.
export function page() {
  const generation = ++latest;
  return (...nodes) => {
    if (generation === latest) {
      main.replaceChildren(
        ...nodes
          .flat(Infinity)
          .filter((node) => node !== null && node !== undefined && node !== false),
      );
    }
  };
}

// A form control with its label, as every form of the console lays them out.
export function field(label, control) {
  return h("label", {}, label, control);
}

// A form's submission: `handle` gets the form's data, and whatever fails is said in `status`.
export function onSubmit(form, status, handle) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await handle(new FormData(form));
    } catch (error) {
      status.textContent = readable(error);
    }
  });
}

export function failure(error) {
  return h("p", { class: "error", role: "alert" }, readable(error));
}

export function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function params() {
  const query = location.hash.split("?")[1] || "";
  return new URLSearchParams(query);
}

// The columns a list shows, in this order, when its records have them.
const COLUMNS = [
  ["name", "名称"],
  ["enterprise_name", "企业"],
  ["uscc", "统一社会信用代码"],
  ["credit_code", "统一社会信用代码"],
  ["id_masked", "身份证号"],
  ["region_code", "地区"],
  ["description", "描述"],
  ["place", "地点"],
  ["mode", "方式"],
  ["grade", "等级"],
  ["state", "状态"],
  ["deadline", "整改期限"],
  ["status", "状态"],
  ["kind", "类别"],
  ["valid_until", "有效期至"],
];
const LABELS = {
  state: { ...HAZARD_STATES, open: "进行中", completed: "已完成" },
  grade: GRADE_NAMES,
};

// Where a row of a list leads: its own page, where the console has one.
export function recordLink(path) {
  if (path.startsWith("/api/v1/hazards")) return (item) => `#/hazards/${item.id}`;
  if (path.startsWith("/api/v1/inspections")) return (item) => `#/inspections/${item.id}`;
  return null;
}

function cell(key, item, link) {
  const value = item[key] ?? "";
  if (key === "uscc" && value) return h("a", { href: `#/enterprises/${value}` }, value);
  const shown = LABELS[key]?.[value] ?? value;
  return link && (key === "description" || key === "place")
    ? h("a", { href: link(item) }, shown)
    : shown;
}

export function table(items, link = null) {
  if (!items.length) return h("p", { class: "muted" }, "暂无记录。");
  const used = COLUMNS.filter(([key]) => items.some((item) => item[key] !== undefined));
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          used.map(([, title]) => h("th", {}, title)),
        ),
      ),
      h(
        "tbody",
        {},
        items.map((item) =>
          h(
            "tr",
            { class: item.overdue ? "overdue" : null },
            used.map(([key]) => h("td", {}, cell(key, item, link))),
          ),
        ),
      ),
    ),
  );
}

// A file recorded as evidence: sent as the request's body, so the gateway passes it on to the
// object store as it arrives; `fields` describe it. Same sign-in and errors as `api`.
export async function upload(file, fields) {
  const query = new URLSearchParams({ ...fields, filename: file.name || "photo.jpg" });
  return api(`/api/v1/evidence/file?${query}`, { method: "POST", raw: file });
}

// A document the API answers as a file (PDF, Excel), saved under `filename`.
export async function download(path, filename) {
  const current = session();
  const response = await fetch(path, { headers: { Authorization: `Bearer ${current.token}` } });
  if (!response.ok) {
    const body = response.headers.get("Content-Type")?.includes("json")
      ? await response.json()
      : null;
    throw new Problem(response.status, body);
  }
  const link = h("a", { href: URL.createObjectURL(await response.blob()), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}
