// The console: a hash-routed page over the platform's JSON API. Every text node is built with
// `h`, never from HTML strings, so nothing a record contains can run as script.

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");

const ROLE_NAMES = {
  admin: "系统管理员",
  regulator: "监管部门",
  inspector: "执法人员",
  auditor: "审计人员",
  enterprise: "企业用户",
  agency: "第三方机构",
};
const BUREAU_ROLES = ["admin", "regulator", "inspector", "auditor"];
const STATE_NAMES = { not_deployed: "未部署", unavailable: "暂不可用" };
const HAZARD_STATES = {
  reported: "已报告",
  plan_approved: "方案已批准",
  suspended: "停产整改",
  rectifying: "整改中",
  submitted: "整改待验收",
  assessed: "已评估",
  resume_applied: "申请复产",
  closed: "已销号",
};
const GRADE_NAMES = { major: "重大事故隐患", general: "一般隐患" };

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

function session() {
  const raw = sessionStorage.getItem("anjian.session");
  return raw ? JSON.parse(raw) : null;
}

class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// What a person reads when a request fails: never a stack trace, never a blank page.
function readable(error) {
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

async function api(path, options = {}) {
  const current = session();
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (current) headers.Authorization = `Bearer ${current.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
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

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function show(...nodes) {
  main.replaceChildren(...nodes.flat(Infinity));
}

function failure(error) {
  return h("p", { class: "error", role: "alert" }, readable(error));
}

function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

function params() {
  const query = location.hash.split("?")[1] || "";
  return new URLSearchParams(query);
}

// --- sign-in ---------------------------------------------------------------------------------

function login() {
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card narrow", id: "login" },
    h("h1", {}, "登录"),
    h("label", {}, "用户名", h("input", { name: "username", autocomplete: "username", required: true })),
    h(
      "label",
      {},
      "密码",
      h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    ),
    h("button", { type: "submit" }, "登录"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      const token = await api("/api/v1/auth/token", {
        method: "POST",
        body: { username: data.get("username"), password: data.get("password") },
      });
      sessionStorage.setItem(
        "anjian.session",
        JSON.stringify({
          token: token.access_token,
          role: token.role,
          region: token.region_scope,
          uscc: token.uscc,
          username: data.get("username"),
        }),
      );
      go("#/");
    } catch (error) {
      status.textContent = error.status === 401 ? "用户名或密码错误。" : readable(error);
    }
  });
  show(form);
}

function logout() {
  sessionStorage.removeItem("anjian.session");
  go("#/login");
}

// --- dashboard -------------------------------------------------------------------------------

function bars(figure) {
  // One bar per division, the rate (or the count against the largest) as its length.
  const rows = figure.by_region || [];
  if (!rows.length) return null;
  const values = rows.map((row) => (figure.kind === "rate" ? row.rate ?? 0 : row.value ?? 0));
  const top = figure.kind === "rate" ? 1 : Math.max(1, ...values);
  const height = 22;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 320 ${rows.length * height}`);
  svg.setAttribute("class", "bars");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${figure.title}：各地区对比`);
  rows.forEach((row, index) => {
    const y = index * height;
    const label = document.createElementNS(svg.namespaceURI, "text");
    label.setAttribute("x", "0");
    label.setAttribute("y", String(y + 15));
    label.textContent = row.name;
    const bar = document.createElementNS(svg.namespaceURI, "rect");
    bar.setAttribute("x", "120");
    bar.setAttribute("y", String(y + 4));
    bar.setAttribute("height", "14");
    bar.setAttribute("width", String(Math.round((150 * values[index]) / top)));
    const amount = document.createElementNS(svg.namespaceURI, "text");
    amount.setAttribute("x", "275");
    amount.setAttribute("y", String(y + 15));
    amount.textContent = figure.kind === "rate" ? percent(row.rate) : String(row.value ?? "—");
    svg.append(label, bar, amount);
  });
  return svg;
}

function figureView(figure) {
  if (figure.state !== "available") {
    return h(
      "div",
      { class: "figure missing" },
      h("span", { class: "name" }, figure.title),
      h("span", { class: "badge" }, STATE_NAMES[figure.state] || figure.state),
    );
  }
  const previous = figure.previous_year;
  const headline =
    figure.kind === "rate"
      ? h(
          "span",
          { class: "value" },
          percent(figure.rate),
          h("small", {}, ` ${figure.numerator ?? 0}/${figure.denominator ?? 0}，目标 ${percent(figure.target)}`),
        )
      : h("span", { class: "value" }, String(figure.value ?? 0));
  const last = previous
    ? h(
        "small",
        { class: "previous" },
        "上年 ",
        figure.kind === "rate" ? percent(previous.rate) : String(previous.value ?? 0),
      )
    : null;
  const behind = recordsLink(figure, "查看记录");
  return h(
    "div",
    { class: "figure", "data-key": figure.key },
    h("span", { class: "name" }, figure.title),
    headline,
    last,
    behind,
    bars(figure),
  );
}

function recordsLink(figure, text) {
  const query = `path=${encodeURIComponent(figure.records)}&title=${encodeURIComponent(figure.title)}`;
  return h("a", { href: `#/records?${query}` }, text);
}

// Counts read best as one small table: this year against the last.
function counts(figures) {
  if (!figures.length) return null;
  return h(
    "table",
    { class: "counts" },
    h("thead", {}, h("tr", {}, h("th", {}, "指标"), h("th", {}, "本年"), h("th", {}, "上年"))),
    h(
      "tbody",
      {},
      figures.map((figure) =>
        h(
          "tr",
          { "data-key": figure.key },
          h("td", {}, figure.state === "available" ? recordsLink(figure, figure.title) : figure.title),
          figure.state === "available"
            ? [
                h("td", { class: "number" }, String(figure.value ?? 0)),
                h("td", { class: "number" }, String(figure.previous_year?.value ?? "—")),
              ]
            : h("td", { colspan: 2 }, h("span", { class: "badge" }, STATE_NAMES[figure.state] || figure.state)),
        ),
      ),
    ),
  );
}

async function dashboard() {
  const query = params();
  const current = session();
  const region = query.get("region") || current.region;
  const year = query.get("year") || String(new Date().getFullYear());
  show(h("p", { class: "muted" }, "正在汇总各项目标…"));
  let composed;
  try {
    composed = await api(`/api/v1/targets?region=${encodeURIComponent(region)}&year=${encodeURIComponent(year)}`);
  } catch (error) {
    show(h("h1", {}, "目标任务"), failure(error));
    return;
  }
  const choose = h(
    "form",
    { class: "filters" },
    h("label", {}, "年度", h("input", { name: "year", type: "number", value: year, min: 2000, max: 2100 })),
    h(
      "label",
      {},
      "地区",
      h(
        "select",
        { name: "region" },
        h("option", { value: composed.region }, composed.region_name),
        composed.children.map((child) => h("option", { value: child.region }, child.name)),
      ),
    ),
    h("button", { type: "submit" }, "查看"),
  );
  choose.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(choose);
    go(`#/dashboard?region=${data.get("region")}&year=${data.get("year")}`);
  });
  const tiles = composed.targets.map((target) =>
    h(
      "section",
      { class: `tile ${target.state}`, "data-target": target.number },
      h("h2", {}, `${target.number}. ${target.title}`),
      target.state === "available"
        ? null
        : h("p", { class: "badge" }, STATE_NAMES[target.state] || target.state),
      counts(target.figures.filter((figure) => figure.kind === "count")),
      target.figures.filter((figure) => figure.kind === "rate").map(figureView),
    ),
  );
  show(
    h("h1", {}, `${composed.region_name} ${composed.year} 年目标任务`),
    choose,
    h("div", { class: "tiles" }, tiles),
  );
}

// --- records behind a number, enterprises, hazards ------------------------------------------

const COLUMNS = [
  ["name", "名称"],
  ["uscc", "统一社会信用代码"],
  ["region_code", "地区"],
  ["grade", "等级"],
  ["state", "状态"],
  ["deadline", "整改期限"],
  ["found_on", "发现日期"],
  ["status", "状态"],
];

function table(items) {
  if (!items.length) return h("p", { class: "muted" }, "暂无记录。");
  const used = COLUMNS.filter(([key]) => items.some((item) => item[key] !== undefined));
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, used.map(([, title]) => h("th", {}, title)))),
      h(
        "tbody",
        {},
        items.map((item) =>
          h(
            "tr",
            { class: item.overdue ? "overdue" : null },
            used.map(([key]) => {
              const value = item[key] ?? "";
              if (key === "uscc" && value) return h("td", {}, h("a", { href: `#/enterprises/${value}` }, value));
              if (key === "state") return h("td", {}, HAZARD_STATES[value] || value);
              if (key === "grade") return h("td", {}, GRADE_NAMES[value] || value);
              return h("td", {}, value);
            }),
          ),
        ),
      ),
    ),
  );
}

async function records() {
  const query = params();
  const path = query.get("path") || "";
  const title = query.get("title") || "记录";
  if (!path.startsWith("/api/v1/")) {
    show(h("h1", {}, title), h("p", { class: "error" }, "链接无效。"));
    return;
  }
  try {
    const page = await api(path);
    show(h("h1", {}, title), table(page.items || []));
  } catch (error) {
    show(h("h1", {}, title), failure(error));
  }
}

async function enterprises() {
  const query = params();
  const filters = h(
    "form",
    { class: "filters" },
    h("label", {}, "名称", h("input", { name: "name", value: query.get("name") || "" })),
    h("button", { type: "submit" }, "查询"),
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    go(`#/enterprises?name=${encodeURIComponent(new FormData(filters).get("name"))}`);
  });
  const name = query.get("name");
  try {
    const page = await api(`/api/v1/enterprises${name ? `?name=${encodeURIComponent(name)}` : ""}`);
    show(h("h1", {}, "企业"), filters, table(page.items));
  } catch (error) {
    show(h("h1", {}, "企业"), filters, failure(error));
  }
}

async function section(title, path) {
  try {
    const page = await api(path);
    return h("section", { class: "card" }, h("h2", {}, title), table(page.items || []));
  } catch (error) {
    const note = error.status === 503 || error.status === 504 ? "未部署或暂不可用" : readable(error);
    return h("section", { class: "card" }, h("h2", {}, title), h("p", { class: "muted" }, note));
  }
}

async function profile(uscc) {
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
  const sections = await Promise.all([
    section("隐患", `/api/v1/hazards?uscc=${uscc}`),
    section("检查", `/api/v1/inspections?uscc=${uscc}`),
    section("证书", `/api/v1/certificates?uscc=${uscc}`),
  ]);
  show(
    h("h1", {}, enterprise.name),
    h("dl", { class: "card facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value ?? "")])),
    sections,
  );
}

async function hazards() {
  try {
    const page = await api("/api/v1/hazards?page_size=100");
    const groups = Object.entries(HAZARD_STATES).map(([state, title]) =>
      h(
        "section",
        { class: "card" },
        h("h2", {}, title),
        table(page.items.filter((item) => item.state === state)),
      ),
    );
    show(h("h1", {}, "隐患看板"), h("div", { class: "board" }, groups));
  } catch (error) {
    show(h("h1", {}, "隐患看板"), failure(error));
  }
}

// --- routing ---------------------------------------------------------------------------------

function menu(current) {
  const links = BUREAU_ROLES.includes(current.role)
    ? [["#/dashboard", "目标任务"], ["#/enterprises", "企业"], ["#/hazards", "隐患看板"]]
    : [[`#/enterprises/${current.uscc}`, "本企业"], ["#/hazards", "隐患"]];
  nav.replaceChildren(...links.map(([href, title]) => h("a", { href }, title)));
  who.replaceChildren(
    `${current.username}（${ROLE_NAMES[current.role] || current.role}）`,
    h("button", { type: "button", class: "link", onclick: logout }, "退出"),
  );
}

async function route() {
  const current = session();
  const [path] = location.hash.slice(1).split("?");
  if (!current || path === "/login") {
    nav.replaceChildren();
    who.replaceChildren();
    login();
    return;
  }
  menu(current);
  const home = BUREAU_ROLES.includes(current.role) ? "/dashboard" : `/enterprises/${current.uscc}`;
  const parts = (path && path !== "/" ? path : home).split("/").filter(Boolean);
  if (parts[0] === "dashboard") return dashboard();
  if (parts[0] === "records") return records();
  if (parts[0] === "hazards") return hazards();
  if (parts[0] === "enterprises" && parts[1]) return profile(decodeURIComponent(parts[1]));
  if (parts[0] === "enterprises") return enterprises();
  show(h("h1", {}, "页面不存在"), h("p", {}, h("a", { href: "#/" }, "返回首页")));
}

window.addEventListener("hashchange", route);
route();
