// The targets dashboard: the eight targets of the work plan for a jurisdiction and a year.

import { api, failure, go, h, params, percent, session, page, STATE_NAMES } from "./dom.js";

function bars(figure) {
  // One bar per division, the rate (or the count against the largest) as its length.
  const rows = figure.by_region || [];
  if (!rows.length) return null;
  const values = rows.map((row) => (figure.kind === "rate" ? (row.rate ?? 0) : (row.value ?? 0)));
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
          h(
            "small",
            {},
            ` ${figure.numerator ?? 0}/${figure.denominator ?? 0}，目标 ${percent(figure.target)}`,
          ),
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
          h(
            "td",
            {},
            figure.state === "available" ? recordsLink(figure, figure.title) : figure.title,
          ),
          figure.state === "available"
            ? [
                h("td", { class: "number" }, String(figure.value ?? 0)),
                h("td", { class: "number" }, String(figure.previous_year?.value ?? "—")),
              ]
            : h(
                "td",
                { colspan: 2 },
                h("span", { class: "badge" }, STATE_NAMES[figure.state] || figure.state),
              ),
        ),
      ),
    ),
  );
}

// Risk monitoring, where the monitoring service is deployed: devices online, the year's alarms,
// and the alarms open now, escalated ones first. Left out when the service answers nothing.
async function monitoringTile(region, year) {
  let figures, open;
  try {
    [figures, open] = await Promise.all([
      api(`/api/v1/indicators/monitoring?region=${encodeURIComponent(region)}&year=${year}`),
      api(`/api/v1/monitoring/alarms?state=open&region=${encodeURIComponent(region)}&page_size=5`),
    ]);
  } catch {
    return null;
  }
  const online = figures.device_online;
  const alarms = [...open.items].sort((a, b) => Boolean(b.escalated_at) - Boolean(a.escalated_at));
  return h(
    "section",
    { class: "tile monitoring", "data-tile": "monitoring" },
    h("h2", {}, "风险监测预警"),
    h(
      "div",
      { class: "figure" },
      h("span", { class: "name" }, "设备在线率"),
      h(
        "span",
        { class: "value" },
        percent(online.rate),
        h("small", {}, ` ${online.numerator}/${online.denominator}`),
      ),
    ),
    h(
      "table",
      { class: "counts" },
      h(
        "tbody",
        {},
        [
          ["报警", figures.alarms_raised],
          ["超时未确认（已推送监管部门）", figures.escalated],
          ["转为隐患", figures.became_hazards],
        ].map(([name, value]) =>
          h("tr", {}, h("td", {}, name), h("td", { class: "number" }, String(value))),
        ),
      ),
    ),
    h("h3", {}, "当前未处置报警"),
    alarms.length
      ? h(
          "ul",
          { class: "alarms" },
          alarms.map((alarm) =>
            h(
              "li",
              { "data-alarm": alarm.id },
              `${alarm.enterprise_name || alarm.uscc} · ${alarm.point_name || "设备离线"}`,
              alarm.value === null ? "" : ` ${alarm.value} ${alarm.unit}`,
              alarm.escalated_at ? h("span", { class: "badge" }, "已推送") : null,
            ),
          ),
        )
      : h("p", { class: "muted" }, "无"),
  );
}

export async function dashboard() {
  const show = page();
  const query = params();
  const current = session();
  const region = query.get("region") || current.region;
  const year = query.get("year") || String(new Date().getFullYear());
  show(h("p", { class: "muted" }, "正在汇总各项目标…"));
  let composed;
  try {
    composed = await api(
      `/api/v1/targets?region=${encodeURIComponent(region)}&year=${encodeURIComponent(year)}`,
    );
  } catch (error) {
    show(h("h1", {}, "目标任务"), failure(error));
    return;
  }
  const choose = h(
    "form",
    { class: "filters" },
    h(
      "label",
      {},
      "年度",
      h("input", { name: "year", type: "number", value: year, min: 2000, max: 2100 }),
    ),
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
    h("div", { class: "tiles" }, tiles, await monitoringTile(composed.region, composed.year)),
  );
}
