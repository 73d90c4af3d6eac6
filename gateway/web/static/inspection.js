// An inspection on site, on a phone: open the record, walk the enterprise's checklist, record
// findings with photos from the camera, close with the unit head's signature or refusal
// (Safety Law Art. 68), then print the record and the order to rectify.

import {
  GRADE_NAMES,
  field,
  api,
  download,
  failure,
  go,
  h,
  onSubmit,
  params,
  readable,
  page,
  upload,
} from "./dom.js";

const MODES = {
  routine: "日常检查",
  special_campaign: "专项检查",
  unannounced: "“四不两直”暗查暗访",
  re_check: "复查",
  third_party: "第三方服务检查",
  project_spot_check: "建设项目抽查",
};
// What an inspector opens on site from this form; campaigns and re-checks carry more.
const OPENABLE = ["routine", "unannounced"];
// Photos wait on the phone until the inspection is completed and each finding is a hazard
// they can be attached to: {inspection id: [[finding index, File], ...]}.
const pendingPhotos = new Map();

// A day `days` from today on this device, as a date input takes it.
function daysAhead(days) {
  const day = new Date(Date.now() + days * 86_400_000);
  const local = new Date(day.getTime() - day.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

export function newInspection() {
  const show = page();
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card", id: "new-inspection" },
    h("h1", {}, "现场检查"),
    field(
      "统一社会信用代码",
      h("input", {
        name: "uscc",
        value: params().get("uscc") || "",
        required: true,
        maxlength: 18,
      }),
    ),
    field(
      "检查方式",
      h(
        "select",
        { name: "mode" },
        OPENABLE.map((mode) => h("option", { value: mode }, MODES[mode])),
      ),
    ),
    field("检查地点", h("input", { name: "place", required: true, maxlength: 200 })),
    field("检查内容", h("textarea", { name: "content", rows: 2, required: true, maxlength: 2000 })),
    field("同行执法人员（账号）", h("input", { name: "inspector", required: true, maxlength: 64 })),
    h("button", { type: "submit" }, "开始检查"),
    status,
  );
  onSubmit(form, status, async (data) => {
    const opened = await api("/api/v1/inspections", {
      method: "POST",
      body: {
        uscc: data.get("uscc").trim(),
        mode: data.get("mode"),
        place: data.get("place"),
        content: data.get("content"),
        inspectors: [data.get("inspector").trim()],
      },
    });
    go(`#/inspections/${opened.id}`);
  });
  show(form);
}

function findingForm(inspection, refresh) {
  const checklist = inspection.checklist?.major_hazard_items || [];
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card", id: "finding" },
    h("h2", {}, "记录问题"),
    field(
      "对照重大事故隐患判定标准",
      h(
        "select",
        { name: "catalogue_item" },
        h("option", { value: "" }, "一般隐患（不属于判定标准）"),
        checklist.map((item) =>
          h("option", { value: item.id }, `${item.item ?? item.id} ${item.text}`),
        ),
      ),
    ),
    field(
      "问题描述",
      h("textarea", { name: "description", rows: 3, required: true, maxlength: 2000 }),
    ),
    field("位置", h("input", { name: "location", maxlength: 200 })),
    field(
      "整改期限（一般隐患必填）",
      h("input", { name: "deadline", type: "date", value: daysAhead(30) }),
    ),
    field(
      "现场照片",
      h("input", { name: "photo", type: "file", accept: "image/*", capture: "environment" }),
    ),
    h("button", { type: "submit" }, "记录"),
    status,
  );
  onSubmit(form, status, async (data) => {
    const body = { description: data.get("description") };
    for (const name of ["catalogue_item", "location", "deadline"])
      if (data.get(name)) body[name] = data.get(name);
    await api(`/api/v1/inspections/${inspection.id}/findings`, { method: "POST", body });
    const photo = data.get("photo");
    if (photo && photo.size) {
      const waiting = pendingPhotos.get(inspection.id) || [];
      waiting.push([inspection.findings.length, photo]);
      pendingPhotos.set(inspection.id, waiting);
    }
    refresh();
  });
  return form;
}

function completionForm(inspection, refresh) {
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card", id: "completion" },
    h("h2", {}, "结束检查"),
    field(
      "处理决定",
      h("textarea", { name: "handling", rows: 2, required: true, maxlength: 2000 }),
    ),
    field("被检查单位负责人签字", h("input", { name: "signature", maxlength: 50 })),
    field(
      "拒绝签字的原因（负责人拒签时填写）",
      h("input", { name: "signature_refusal", maxlength: 500 }),
    ),
    h("button", { type: "submit" }, "完成"),
    status,
  );
  onSubmit(form, status, async (data) => {
    const body = { handling: data.get("handling") };
    if (data.get("signature")) body.signature = data.get("signature");
    if (data.get("signature_refusal")) body.signature_refusal = data.get("signature_refusal");
    const done = await api(`/api/v1/inspections/${inspection.id}/complete`, {
      method: "POST",
      body,
    });
    for (const [index, photo] of pendingPhotos.get(inspection.id) || []) {
      const finding = done.findings[index];
      if (finding?.hazard_id)
        await upload(photo, { uscc: done.uscc, hazard_id: finding.hazard_id });
    }
    pendingPhotos.delete(inspection.id);
    refresh();
  });
  return form;
}

function documents(inspection) {
  const status = h("span", { class: "muted" });
  const button = (title, path, filename) => {
    const element = h("button", { type: "button", class: "secondary" }, title);
    element.addEventListener("click", () =>
      download(path, filename).catch((error) => (status.textContent = readable(error))),
    );
    return element;
  };
  return h(
    "div",
    { class: "actions" },
    button(
      "现场检查记录（PDF）",
      `/api/v1/inspections/${inspection.id}/record.pdf`,
      `现场检查记录-${inspection.id}.pdf`,
    ),
    inspection.findings.length
      ? button(
          "责令限期整改指令书（PDF）",
          `/api/v1/inspections/${inspection.id}/rectification-order.pdf`,
          `责令限期整改指令书-${inspection.id}.pdf`,
        )
      : null,
    status,
  );
}

export async function inspection(identifier) {
  const show = page();
  const refresh = () => inspection(identifier);
  let found;
  try {
    found = await api(`/api/v1/inspections/${encodeURIComponent(identifier)}`);
  } catch (error) {
    show(h("h1", {}, "现场检查"), failure(error));
    return;
  }
  const waiting = (pendingPhotos.get(found.id) || []).length;
  const findings = found.findings.map((finding) =>
    h(
      "li",
      {},
      `${GRADE_NAMES[finding.grade] || finding.grade}：${finding.description}`,
      found.state === "completed" && finding.hazard_id
        ? [" ", h("a", { href: `#/hazards/${finding.hazard_id}` }, "查看隐患")]
        : null,
    ),
  );
  const open = found.state === "open";
  show(
    h("h1", {}, `${found.enterprise_name} 现场检查`),
    h(
      "dl",
      { class: "card facts" },
      [
        ["方式", MODES[found.mode] || found.mode],
        ["地点", found.place],
        ["内容", found.content],
        ["状态", open ? "进行中" : "已完成"],
      ].map(([term, value]) => [h("dt", {}, term), h("dd", {}, value ?? "")]),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, `发现问题（${found.findings.length}）`),
      findings.length
        ? h("ol", { class: "findings" }, findings)
        : h("p", { class: "muted" }, "尚未记录问题。"),
      waiting ? h("p", { class: "muted" }, `${waiting} 张照片将在完成检查后上传`) : null,
    ),
    open ? findingForm(found, refresh) : null,
    open ? completionForm(found, refresh) : documents(found),
  );
}
