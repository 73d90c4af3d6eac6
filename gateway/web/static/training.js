// The training ledger of an enterprise or a jurisdiction, and the reminders that fall due.

import { api, failure, h, page, table } from "./dom.js";

const REMINDER_KINDS = {
  review_due: "证书待复审",
  review_overdue: "复审逾期",
  expiring: "证书即将到期",
  expired: "证书已失效",
  hours_short: "年度培训学时不足",
};

export async function ledger() {
  const show = page();
  try {
    const [people, reminders] = await Promise.all([
      api("/api/v1/persons?page_size=100"),
      api("/api/v1/reminders?page_size=100"),
    ]);
    const due = reminders.items.map((item) => ({
      ...item,
      kind: REMINDER_KINDS[item.kind] || item.kind,
      deadline: item.due_on,
    }));
    show(
      h("h1", {}, "培训台账"),
      h("section", { class: "card" }, h("h2", {}, `提醒（${due.length}）`), table(due)),
      h("section", { class: "card" }, h("h2", {}, "人员"), table(people.items)),
    );
  } catch (error) {
    show(h("h1", {}, "培训台账"), failure(error));
  }
}
