// The page a confined-space QR code opens (先扫码、后作业): who stands at the entrance, one big
// button, and an answer readable at arm's length — allow, or deny with every reason.

import { api, h, page, readable, session } from "./dom.js";

const PENDING = "anjian.scan";

// The token of the code that opened this page, kept across a sign-in.
export function scanToken() {
  const token = new URLSearchParams(location.search).get("token");
  if (token) sessionStorage.setItem(PENDING, token);
  return sessionStorage.getItem(PENDING);
}

async function people(uscc) {
  const [staff, persons] = await Promise.all([
    api(`/api/v1/confined-space-staff?uscc=${encodeURIComponent(uscc)}&page_size=200`),
    api(`/api/v1/persons?uscc=${encodeURIComponent(uscc)}&page_size=200`).catch(() => ({
      items: [],
    })),
  ]);
  // Two people may share a name: the last digits of the masked ID number tell them apart.
  const names = new Map(
    persons.items.map((person) => [
      person.id,
      `${person.name}（${(person.id_masked || "").slice(-4)}）`,
    ]),
  );
  return staff.items.map((member) => ({ ...member, name: names.get(member.id) || member.id }));
}

function verdict(result) {
  const allowed = result.result === "allow";
  return h(
    "section",
    { class: `verdict ${allowed ? "allow" : "deny"}`, role: "status" },
    h("p", { class: "big" }, allowed ? "允许作业" : "禁止作业"),
    allowed
      ? h("p", {}, result.work_started ? "作业已开始，监护人不得离开。" : "可以进入。")
      : h(
          "ul",
          {},
          result.reasons.map((reason) => h("li", { "data-code": reason.code }, reason.message)),
        ),
  );
}

export async function scan() {
  const show = page();
  const token = scanToken();
  if (!token) {
    show(h("h1", {}, "扫码作业"), h("p", { class: "error" }, "请用手机扫描有限空间入口的二维码。"));
    return;
  }
  const current = session();
  let crew;
  try {
    crew = await people(current.uscc);
  } catch (error) {
    show(h("h1", {}, "扫码作业"), h("p", { class: "error", role: "alert" }, readable(error)));
    return;
  }
  const outcome = h("div", { id: "verdict" });
  const form = h(
    "form",
    { class: "card scan", id: "scan" },
    h("h1", {}, "先扫码、后作业"),
    h(
      "fieldset",
      {},
      h("legend", {}, "监护人"),
      crew.map((member) =>
        h(
          "label",
          { class: "choice" },
          h("input", { type: "radio", name: "guardian", value: member.id }),
          member.name,
        ),
      ),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "进入人员"),
      crew.map((member) =>
        h(
          "label",
          { class: "choice" },
          h("input", { type: "checkbox", name: "entrants", value: member.id }),
          member.name,
        ),
      ),
    ),
    h("button", { type: "submit", class: "big" }, "核验并进入"),
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      token,
      entrants: data.getAll("entrants"),
      device_time: new Date().toISOString(),
    };
    if (data.get("guardian")) body.guardian = data.get("guardian");
    outcome.replaceChildren("正在核验…");
    try {
      outcome.replaceChildren(verdict(await api("/api/v1/permits/scan", { method: "POST", body })));
    } catch (error) {
      outcome.replaceChildren(h("p", { class: "error", role: "alert" }, readable(error)));
    }
  });
  show(form);
}
