// The console's shell: sign-in, the menu for the signed-in role, and the page for each address.

import { accounts, changePassword } from "./accounts.js";
import { creditCases, disclosure } from "./credit.js";
import { dashboard } from "./dashboard.js";
import { BUREAU_ROLES, ROLE_NAMES, api, deployed, go, h, readable, session, page } from "./dom.js";
import { imports } from "./imports.js";
import { inspection, newInspection } from "./inspection.js";
import { enterprises, hazard, hazards, profile, records } from "./records.js";
import { scan } from "./scan.js";
import { ledger } from "./training.js";

const nav = document.getElementById("nav");
const who = document.getElementById("who");

// --- sign-in ---------------------------------------------------------------------------------

function login() {
  const show = page();
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card narrow", id: "login" },
    h("h1", {}, "登录"),
    h(
      "label",
      {},
      "用户名",
      h("input", { name: "username", autocomplete: "username", required: true }),
    ),
    h(
      "label",
      {},
      "密码",
      h("input", {
        name: "password",
        type: "password",
        autocomplete: "current-password",
        required: true,
      }),
    ),
    h("button", { type: "submit" }, "登录"),
    h("p", {}, h("a", { href: "#/public" }, "严重失信主体名单公示（无需登录）")),
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
          must_change_password: Boolean(token.must_change_password),
        }),
      );
      go("#/");
    } catch (error) {
      status.textContent = error.status === 401 ? "用户名或密码错误。" : readable(error);
      // A lockout answers 429 with the wait: say how long.
      if (error.status === 429 && error.body?.detail)
        status.textContent += `（${error.body.detail}）`;
    }
  });
  show(form);
}

function logout() {
  sessionStorage.removeItem("anjian.session");
  go("#/login");
}

// --- routing ---------------------------------------------------------------------------------

function menu(current) {
  // [address, title, the service it needs]
  const links = BUREAU_ROLES.includes(current.role)
    ? [
        ["#/dashboard", "目标任务"],
        ["#/enterprises", "企业"],
        ["#/hazards", "隐患看板", "inspection"],
        ["#/training", "培训台账", "training"],
        ["#/credit", "失信名单", "credit"],
        ...(["admin", "regulator"].includes(current.role) ? [["#/accounts", "账号"]] : []),
        ...(current.role === "auditor"
          ? []
          : [
              ["#/inspections/new", "现场检查", "inspection"],
              ["#/imports", "导入"],
            ]),
      ]
    : [
        [`#/enterprises/${current.uscc}`, "本企业"],
        ["#/hazards", "隐患", "inspection"],
        ["#/training", "培训台账", "training"],
        ["#/imports", "导入"],
        ["#/password", "修改密码"],
      ];
  nav.replaceChildren(
    ...links
      .filter(([, , service]) => !service || deployed(service))
      .map(([href, title]) => h("a", { href }, title)),
  );
  who.replaceChildren(
    `${current.username}（${ROLE_NAMES[current.role] || current.role}）`,
    h("button", { type: "button", class: "link", onclick: logout }, "退出"),
  );
}

async function route() {
  const current = session();
  const [path] = location.hash.slice(1).split("?");
  if (path === "/public") {
    // The disclosure is for everyone: no sign-in, no menu.
    if (!current) nav.replaceChildren(h("a", { href: "#/login" }, "登录"));
    return disclosure();
  }
  if (!current || path === "/login") {
    nav.replaceChildren();
    who.replaceChildren();
    login();
    return;
  }
  menu(current);
  // A password a bureau set must be changed before anything else (the API refuses the rest).
  if (current.must_change_password || path === "/password") return changePassword();
  if (location.pathname.endsWith("/scan")) return scan();
  const home = BUREAU_ROLES.includes(current.role) ? "/dashboard" : `/enterprises/${current.uscc}`;
  const parts = (path && path !== "/" ? path : home).split("/").filter(Boolean);
  if (parts[0] === "dashboard") return dashboard();
  if (parts[0] === "records") return records();
  if (parts[0] === "training") return ledger();
  if (parts[0] === "imports") return imports();
  if (parts[0] === "accounts") return accounts();
  if (parts[0] === "credit") return creditCases();
  if (parts[0] === "hazards" && parts[1]) return hazard(decodeURIComponent(parts[1]));
  if (parts[0] === "hazards") return hazards();
  if (parts[0] === "inspections" && parts[1] === "new") return newInspection();
  if (parts[0] === "inspections" && parts[1]) return inspection(decodeURIComponent(parts[1]));
  if (parts[0] === "enterprises" && parts[1]) return profile(decodeURIComponent(parts[1]));
  if (parts[0] === "enterprises") return enterprises();
  page()(h("h1", {}, "页面不存在"), h("p", {}, h("a", { href: "#/" }, "返回首页")));
}

window.addEventListener("hashchange", route);
route();
