// Ferry's status page: polls /v1/status every 2 s and renders it. Every string from the server
// is user data (job ids, tracebacks): it is put in the DOM as text, never parsed as HTML.
"use strict";

const POLL_MS = 2000;
const TOKEN_KEY = "ferry-token";
const $ = (id) => document.getElementById(id);

// Builds an element with text children (strings become text nodes) and attributes.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  }
  return node;
}

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

const number = (value, digits = 0) =>
  typeof value === "number" ? value.toLocaleString(undefined, { maximumFractionDigits: digits }) : "–";

function setConnection(live, text) {
  const badge = $("connection");
  badge.textContent = live ? "live" : "disconnected";
  badge.className = `badge ${live ? "live" : "disconnected"}`;
  badge.title = text || "";
}

function fillTable(table, rows) {
  const body = table.tBodies[0];
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const columns = table.tHead.rows[0].cells.length;
    body.append(el("tr", {}, el("td", { class: "empty", colspan: String(columns) }, "none")));
  }
}

function renderCounters(status) {
  const samples = status.throughput?.samples ?? [];
  const latest = samples.length ? samples[samples.length - 1].done_per_s : status.rates?.done_per_s;
  $("worker-count").textContent = String((status.workers ?? []).length);
  // Plain digits (no grouping): scripts and the CI test read this number.
  $("throughput-now").textContent = typeof latest === "number" ? latest.toFixed(1) : "–";
  $("held").textContent = number(status.pending);
  $("in-flight").textContent = number(status.in_flight);
  $("done").textContent = number(status.done);
  $("failed").textContent = number(status.failed);
  $("dead-total").textContent = number(status.dead_letters_total);
  const http = status.http ?? {};
  $("service").textContent =
    `ferry ${http.service ?? ""} ${http.version ?? ""} · broker ${status.broker ?? "?"} · up ${number(status.uptime_s)} s`;
}

function renderQueues(status) {
  const rows = Object.entries(status.queues ?? {}).map(([type, depth]) =>
    el("tr", {}, el("td", {}, type), el("td", { class: "num" }, number(depth))));
  fillTable($("queues"), rows);
  const unserved = status.unserved ?? [];
  $("unserved").hidden = unserved.length === 0;
  $("unserved").textContent = unserved.map((u) =>
    `no worker serves ${u.type} (${number(u.queued)} queued)`).join("; ");
}

function renderWorkers(status) {
  const rows = (status.workers ?? []).map((w) => el("tr", {},
    el("td", {}, w.worker), el("td", {}, w.host), el("td", { class: "num" }, w.pid),
    el("td", { class: "wrap" }, Object.entries(w.types ?? {}).map(([t, b]) => `${t} (batch ${b})`).join(", ")),
    el("td", { class: "num" }, number(w.in_flight)), el("td", { class: "num" }, number(w.credit)),
    el("td", { class: "num" }, `${number(w.last_heartbeat_ms_ago)} ms ago`)));
  fillTable($("workers"), rows);
}

// Draws finished/s over time as a line with a light fill; the y axis starts at 0.
function renderChart(status) {
  const canvas = $("chart");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 900;
  const height = canvas.clientHeight || 180;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  const samples = status.throughput?.samples ?? [];
  const pad = { left: 56, right: 8, top: 8, bottom: 20 };
  const top = Math.max(1, ...samples.map((s) => s.done_per_s));
  const span = 15 * 60 * 1000;
  const end = samples.length ? samples[samples.length - 1].t : Date.now();
  const x = (t) => pad.left + (width - pad.left - pad.right) * (1 - (end - t) / span);
  const y = (v) => height - pad.bottom - (height - pad.top - pad.bottom) * (v / top);
  g.strokeStyle = "#d9dde5";
  g.fillStyle = "#667085";
  g.font = "11px system-ui, sans-serif";
  for (const fraction of [0, 0.5, 1]) {
    const value = top * fraction;
    g.beginPath();
    g.moveTo(pad.left, y(value));
    g.lineTo(width - pad.right, y(value));
    g.stroke();
    g.fillText(number(value, 1), 4, y(value) + 4);
  }
  g.fillText("-15 min", pad.left, height - 4);
  g.fillText("now", width - pad.right - 24, height - 4);
  if (samples.length === 0) return;
  if (samples.length === 1) { // one sample: a dot until there is a line to draw
    g.fillStyle = "#2f6feb";
    g.beginPath();
    g.arc(x(samples[0].t), y(samples[0].done_per_s), 3, 0, 2 * Math.PI);
    g.fill();
    return;
  }
  g.beginPath();
  samples.forEach((s, i) => (i ? g.lineTo(x(s.t), y(s.done_per_s)) : g.moveTo(x(s.t), y(s.done_per_s))));
  g.strokeStyle = "#2f6feb";
  g.lineWidth = 2;
  g.stroke();
  g.lineTo(x(end), y(0));
  g.lineTo(x(samples[0].t), y(0));
  g.closePath();
  g.fillStyle = "rgba(47, 111, 235, 0.12)";
  g.fill();
}

async function redrive(letter, button) {
  button.disabled = true;
  const path = `/v1/dead-letters/${encodeURIComponent(letter.id)}/redrive?client=${encodeURIComponent(letter.client)}`;
  let text;
  try {
    const reply = await fetch(path, { method: "POST", headers: headers() });
    const body = await reply.json().catch(() => ({}));
    text = reply.status === 202 ? `${letter.id}: queued again` : `${letter.id}: ${body.detail ?? reply.status}`;
  } catch (error) {
    text = `${letter.id}: ${error}`;
  }
  $("redrive-result").textContent = text;
  button.disabled = false;
}

function renderCause(cause) {
  const parts = [el("div", {}, el("code", {}, cause.code), " ", cause.message,
    cause.worker ? ` (worker ${cause.worker})` : "")];
  if (cause.traceback) {
    parts.push(el("details", {}, el("summary", {}, "traceback"), el("pre", {}, cause.traceback)));
  }
  return parts;
}

function renderDeadLetters(status) {
  const letters = [...(status.dead_letters ?? [])].reverse(); // newest first
  const nodes = letters.map((letter) => {
    const button = el("button", { type: "button", "data-id": letter.id }, "Redrive");
    button.addEventListener("click", () => redrive(letter, button));
    const causes = letter.causes ?? [];
    const last = causes.length ? causes[causes.length - 1] : null;
    const node = el("div", { class: "letter" },
      el("div", { class: "head" }, el("strong", {}, letter.id), el("span", {}, `client ${letter.client}`),
        el("span", {}, `type ${letter.type}`), el("span", {}, `${causes.length} attempt(s)`), button));
    if (last) node.append(...renderCause(last));
    if (causes.length > 1) {
      node.append(el("details", {}, el("summary", {}, `every cause (${causes.length})`),
        ...causes.flatMap(renderCause)));
    }
    return node;
  });
  $("dead-letters").replaceChildren(...(nodes.length ? nodes : [el("p", { class: "empty" }, "none")]));
}

function renderPipelines(status) {
  const pipelines = status.pipelines ?? [];
  const nodes = pipelines.map((p) => {
    const runs = (p.runs ?? []).slice().reverse().map((r) => el("tr", {},
      el("td", {}, r.run_id), el("td", { class: `state-${r.state}` }, r.state), el("td", {}, r.reason),
      el("td", {}, r.started ?? "–"), el("td", {}, r.ended ?? "–"),
      el("td", { class: "num" }, `${number(r.ok)} / ${number(r.failed)} / ${number(r.total)}`)));
    const table = el("table", {}, el("thead", {}, el("tr", {}, ...["run", "state", "reason",
      "started", "ended", "ok / failed / total"].map((h) => el("th", {}, h)))), el("tbody"));
    fillTable(table, runs);
    return el("div", {}, el("h3", {}, p.name, " ",
      el("small", {}, `${p.schedule ?? ""}${p.paused ? " · paused" : ""} · next ${p.next_nominal ?? "–"}`)),
      p.error ? el("p", { class: "warning" }, p.error) : "", table);
  });
  $("pipelines").replaceChildren(...(nodes.length ? nodes :
    [el("p", { class: "empty" }, status.http?.service === "serve" ? "no pipelines" : "pipelines run under ferry serve")]));
}

function render(status) {
  renderCounters(status);
  renderChart(status);
  renderQueues(status);
  renderWorkers(status);
  renderDeadLetters(status);
  renderPipelines(status);
  $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function askForToken(message) {
  $("token-form").hidden = false;
  $("content").hidden = true;
  $("token-error").textContent = message ?? "";
}

async function poll() {
  try {
    const reply = await fetch("/v1/status", { headers: headers(), cache: "no-store" });
    if (reply.status === 401) {
      const had = sessionStorage.getItem(TOKEN_KEY);
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken(had ? "that token was refused" : "");
      setConnection(false, "a bearer token is needed");
      return; // polling resumes when a token is entered
    }
    if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
    render(await reply.json());
    setConnection(true);
  } catch (error) {
    setConnection(false, String(error));
  }
  setTimeout(poll, POLL_MS);
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
  $("token-input").value = "";
  $("token-form").hidden = true;
  $("content").hidden = false;
  poll();
});

poll();
