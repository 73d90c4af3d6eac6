// Accounts: a bureau creates the logins of its jurisdiction; anyone changes their own password
// (and must, after a bureau set it).

import { ROLE_NAMES, api, field, go, h, onSubmit, page, readable, session, table } from "./dom.js";

// What a bureau may create, highest first; the API refuses a role above the creator's.
const CREATABLE = ["regulator", "inspector", "auditor", "agency", "enterprise"];

export async function accounts(created = null) {
  const show = page();
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card", id: "new-account" },
    h("h2", {}, "新建账号"),
    field("用户名", h("input", { name: "username", required: true, maxlength: 64 })),
    field("姓名或单位", h("input", { name: "display_name", maxlength: 64 })),
    field(
      "角色",
      h(
        "select",
        { name: "role" },
        CREATABLE.map((role) => h("option", { value: role }, ROLE_NAMES[role])),
      ),
    ),
    field("统一社会信用代码（企业账号）", h("input", { name: "uscc", maxlength: 18 })),
    field("辖区代码（监管账号）", h("input", { name: "region_scope", maxlength: 6 })),
    field(
      "初始密码（首次登录须修改）",
      h("input", {
        name: "password",
        type: "password",
        required: true,
        autocomplete: "new-password",
      }),
    ),
    h("button", { type: "submit" }, "创建"),
    status,
  );
  onSubmit(form, status, async (data) => {
    const body = {
      username: data.get("username").trim(),
      role: data.get("role"),
      password: data.get("password"),
    };
    for (const name of ["display_name", "uscc", "region_scope"]) {
      if (data.get(name)) body[name] = data.get(name).trim();
    }
    const made = await api("/api/v1/users", { method: "POST", body });
    accounts(`已创建账号 ${made.username}`);
  });
  try {
    const listed = await api("/api/v1/users?page_size=100");
    const rows = listed.items.map((account) => ({
      name: account.username,
      kind: ROLE_NAMES[account.role] || account.role,
      region_code: account.region_scope,
      uscc: account.uscc,
      status: account.disabled ? "已停用" : "正常",
    }));
    show(
      h("h1", {}, "账号"),
      created ? h("p", { class: "ok", role: "status" }, created) : null,
      form,
      h("section", { class: "card" }, h("h2", {}, "本辖区账号"), table(rows)),
    );
  } catch (error) {
    show(h("h1", {}, "账号"), form, h("p", { class: "error" }, readable(error)));
  }
}

// Shown instead of every other page while the account must change its password.
export function changePassword() {
  const show = page();
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card narrow", id: "password" },
    h("h1", {}, "修改密码"),
    session().must_change_password ? h("p", {}, "您的密码由管理部门设置，请先修改密码。") : null,
    field(
      "原密码",
      h("input", {
        name: "old_password",
        type: "password",
        required: true,
        autocomplete: "current-password",
      }),
    ),
    field(
      "新密码",
      h("input", {
        name: "new_password",
        type: "password",
        required: true,
        autocomplete: "new-password",
      }),
    ),
    h("button", { type: "submit" }, "修改"),
    status,
  );
  onSubmit(form, status, async (data) => {
    await api("/api/v1/me/password", {
      method: "POST",
      body: { old_password: data.get("old_password"), new_password: data.get("new_password") },
    });
    // Tokens issued before the change are refused from now on: sign in again.
    sessionStorage.removeItem("anjian.session");
    go("#/login");
  });
  show(form);
}
