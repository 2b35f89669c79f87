// mockrc dashboard: polls the fake's JSON control API about once a second and redraws what
// changed. Plain JavaScript, no build step, no library, nothing fetched from elsewhere.
// Every value from the fake (paths, bodies, names) is written with textContent, never as HTML:
// the journal shows whatever clients sent.
"use strict";

const PREFIX = "/__mockrc";
const POLL_MS = 1000;
// The account shown: "default" (the one the fake started with) or one made over
// /__mockrc/accounts, whose control plane is /__mockrc/accounts/<id>. Kept in the URL's hash.
let account = new URLSearchParams(location.hash.slice(1)).get("account") || "default";
let accountsJson = "";
const KEPT_ENTRIES = 500;

const view = {
  since: 0, // the newest request id seen
  entries: [], // journal summaries, newest first
  usersKey: "", // what the users list was last fetched for
  scenariosJson: "",
  query: "",
};

function $(id) {
  return document.getElementById(id);
}

// el("td", {class: "x", dataset: {id: 1}}, "text", childNode, ...)
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "onclick") node.addEventListener("click", value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function accountPrefix() {
  return account === "default" ? PREFIX : `${PREFIX}/accounts/${encodeURIComponent(account)}`;
}

async function api(path, options, prefix) {
  const base = prefix === undefined ? accountPrefix() : prefix;
  const response = await fetch(base + path, { credentials: "same-origin", ...options });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const message = body && (body.detail || body.message) ? body.detail || body.message : response.statusText;
    throw new Error(`${response.status}: ${message}`);
  }
  return body;
}

// Every POST says it is JSON, body or not: the fake refuses a state-changing control call that a
// page of another site could send without a CORS preflight (see "Safe on a developer's machine").
function post(path, body) {
  const options = { method: "POST", headers: { "Content-Type": "application/json" } };
  if (body !== undefined) options.body = JSON.stringify(body);
  return api(path, options);
}

function showError(error) {
  const box = $("error");
  box.textContent = String(error.message || error);
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => (box.hidden = true), 6000);
}

// --- journal ------------------------------------------------------------------------------

function target(entry) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(entry.query || {})) {
    for (const one of Array.isArray(value) ? value : [value]) query.append(name, one);
  }
  const text = query.toString();
  return text ? `${entry.path}?${text}` : entry.path;
}

function journalRows(entry) {
  const errors = entry.violations.filter((v) => v.severity === "error");
  const findings = entry.findings || [];
  const marked = errors.length || findings.length ? "has-error" : entry.violations.length ? "has-warning" : "";
  const row = el(
    "tr",
    { class: `row ${marked}`, dataset: { id: entry.id }, title: "show the request and the response", onclick: () => openEntry(entry.id) },
    el("td", { class: "num" }, entry.id),
    el("td", { class: "mono" }, entry.time.slice(11, 23)),
    el("td", { class: `status s${String(entry.status)[0]}` }, entry.status),
    el("td", { class: "mono" }, entry.method),
    el("td", { class: "path" }, target(entry), entry.served_by ? el("span", { class: "count" }, ` (scenario: ${entry.served_by})`) : null),
    el("td", { class: "mono" }, entry.principal || (entry.app ? `app ${entry.app}` : "")),
    el("td", { class: "num" }, entry.duration_ms.toFixed(1)),
  );
  if (!entry.violations.length && !findings.length) return [row];
  const list = el("td", { colspan: 7 });
  for (const v of entry.violations) {
    list.append(
      el(
        "div",
        { class: `violation ${v.severity}` },
        el("span", { class: "rule" }, v.rule),
        " ",
        v.pointer ? el("span", { class: "pointer" }, v.pointer) : null,
        v.pointer ? " " : null,
        el("span", { class: "message" }, v.message),
      ),
    );
  }
  // mockrc proxy: where the upstream answered otherwise than the fake would.
  for (const f of findings) {
    list.append(
      el(
        "div",
        { class: "violation finding" },
        el("span", { class: "rule" }, f.rule),
        " ",
        f.pointer ? el("span", { class: "pointer" }, f.pointer) : null,
        f.pointer ? " " : null,
        el("span", { class: "message" }, f.message),
      ),
    );
  }
  return [row, el("tr", { class: `violations ${marked}`, dataset: { for: entry.id } }, list)];
}

function renderJournal() {
  const onlyViolations = $("only-violations").checked;
  const flagged = (e) => e.violations.length || (e.findings || []).length;
  const shown = onlyViolations ? view.entries.filter(flagged) : view.entries;
  $("journal-body").replaceChildren(...shown.flatMap(journalRows));
  $("journal-empty").hidden = shown.length > 0;
  $("journal-count").textContent = view.entries.length ? `(${view.entries.length} shown)` : "";
}

function mergeJournal(journal) {
  if (journal.entries.length) {
    view.entries = journal.entries.concat(view.entries).slice(0, KEPT_ENTRIES);
    view.since = journal.entries[0].id;
  }
  // A reset or DELETE /__mockrc/journal empties the journal; old entries drop out of memory.
  const oldest = journal.oldest;
  const before = view.entries.length;
  view.entries = oldest === null ? [] : view.entries.filter((e) => e.id >= oldest);
  return journal.entries.length > 0 || view.entries.length !== before;
}

async function openEntry(id) {
  try {
    const entry = await api(`/ui/api/journal/${id}`);
    showDetail(`#${entry.id} ${entry.method} ${entry.path} → ${entry.status}`, [
      ["Violations", entry.violations],
      ...(entry.mode === "proxy" ? [["Fidelity findings", entry.findings], ["Upstream", { ...entry.upstream, prediction: entry.prediction }]] : []),
      ["Request", { query: entry.query, headers: entry.headers, body: entry.body, principal: entry.principal, app: entry.app }],
      ["Response", entry.response],
    ]);
  } catch (error) {
    showError(error);
  }
}

// --- users --------------------------------------------------------------------------------

async function refreshUsers(key) {
  const found = await api(`/ui/api/users?limit=200&q=${encodeURIComponent(view.query)}`);
  view.usersKey = key;
  const rows = found.users.map((u) =>
    el(
      "tr",
      { class: "row", dataset: { id: u.id }, title: "show the user as JSON", onclick: () => openUser(u.id) },
      el("td", { class: "mono" }, u.id),
      el("td", {}, u.userName ?? ""),
      el("td", {}, u.name ?? ""),
      el("td", {}, u.active === undefined ? "" : String(u.active)),
    ),
  );
  $("users-body").replaceChildren(...rows);
  $("users-empty").hidden = rows.length > 0;
  const more = found.total > found.users.length ? `, ${found.users.length} shown` : "";
  $("users-count").textContent = view.query ? `(${found.total} matching${more})` : `(${found.total}${more})`;
}

async function openUser(id) {
  try {
    showDetail(`User ${id}`, [["SCIM resource", await api(`/ui/api/users/${encodeURIComponent(id)}`)]]);
  } catch (error) {
    showError(error);
  }
}

// --- scenarios ----------------------------------------------------------------------------

function renderScenarios(scenarios) {
  const json = JSON.stringify(scenarios);
  if (json === view.scenariosJson) return;
  view.scenariosJson = json;
  const active = new Set(scenarios.active.map((s) => s.name));
  $("scenarios-active").replaceChildren(
    ...scenarios.active.map((s) =>
      el(
        "div",
        { class: "scenario", dataset: { name: s.name } },
        el(
          "div",
          { class: "scenario-head" },
          el("span", { class: "name" }, s.name),
          el("span", { class: "state", title: "current state" }, s.state),
          el("span", { class: "spacer" }),
          el("button", { type: "button", class: "small", onclick: () => act(`/scenarios/${encodeURIComponent(s.name)}/reset`) }, "Reset"),
          el("button", { type: "button", class: "small", onclick: () => act(`/scenarios/${encodeURIComponent(s.name)}/deactivate`) }, "Deactivate"),
        ),
        s.description ? el("div", { class: "description" }, s.description) : null,
        el(
          "ul",
          { class: "steps" },
          ...s.steps.map((step) =>
            el(
              "li",
              { class: s.unfired_required.includes(step.id) ? "unfired" : "" },
              `${step.id}: ${step.does} `,
              el("span", { class: "fired" }, `fired ${step.fired}×, matched ${step.matched}×`),
            ),
          ),
        ),
      ),
    ),
  );
  $("scenarios-empty").hidden = scenarios.active.length > 0;
  $("scenarios-available").replaceChildren(
    ...scenarios.available.map((s) =>
      el(
        "li",
        { class: active.has(s.name) ? "active" : "", dataset: { name: s.name } },
        el("span", { class: "name" }, s.name),
        el("span", { class: "description" }, s.description || ""),
        el(
          "button",
          { type: "button", class: "small", disabled: active.has(s.name), onclick: () => act(`/scenarios/${encodeURIComponent(s.name)}/activate`) },
          "Activate",
        ),
      ),
    ),
  );
}

// --- actions, detail, polling -------------------------------------------------------------

async function act(path, body) {
  try {
    await post(path, body);
  } catch (error) {
    showError(error);
  }
  // A poll already under way may have read the state before the action: read it again.
  if (polling) await polling;
  await poll();
}

function showDetail(title, sections) {
  $("detail-title").textContent = title;
  $("detail-body").replaceChildren(
    ...sections.flatMap(([heading, value]) => [el("h3", {}, heading), el("pre", { class: "json" }, JSON.stringify(value, null, 2))]),
  );
  const dialog = $("detail");
  if (!dialog.open) dialog.showModal();
}

// The account picker: every account of the server, refreshed by each poll.
function renderAccounts(accounts) {
  if (!accounts.some((a) => a.id === account)) account = "default"; // deleted meanwhile
  const json = JSON.stringify([account, accounts]);
  if (json === accountsJson) return;
  accountsJson = json;
  const picker = $("account");
  picker.replaceChildren(
    ...accounts.map((a) =>
      el("option", { value: a.id, selected: a.id === account }, a.default ? "default account" : `account ${a.id}`),
    ),
  );
  picker.hidden = accounts.length < 2 && account === "default";
}

function switchAccount(id) {
  account = id;
  location.hash = id === "default" ? "" : `account=${encodeURIComponent(id)}`;
  Object.assign(view, { since: 0, entries: [], usersKey: "", scenariosJson: "" });
  renderJournal();
  poll();
}

let polling = null;

async function poll() {
  // One poll at a time: an action's own poll waits for the running one.
  if (polling) return polling;
  polling = (async () => {
    try {
      const shown = account;
      renderAccounts((await api("/accounts", undefined, PREFIX)).accounts);
      const overview = await api(`/ui/api/overview?since=${view.since}`);
      if (shown !== account) return; // switched meanwhile: this answer is the other account's
      $("connection").dataset.state = "live";
      $("connection").textContent = "live";
      $("profile").textContent = `profile ${overview.profile}`;
      $("clock").textContent = overview.clock.now.replace("T", " ").replace(".000Z", "Z");
      $("advance-minute").hidden = $("advance-hour").hidden = !overview.clock.advanceable;
      if (overview.state_file) {
        $("state-file").hidden = false;
        $("state-file").textContent = `state file ${overview.state_file}`;
      }
      if (mergeJournal(overview.journal)) renderJournal();
      renderScenarios(overview.scenarios);
      const key = `${overview.users.total}|${overview.journal.newest}|${view.query}`;
      if (key !== view.usersKey) await refreshUsers(key);
    } catch (error) {
      $("connection").dataset.state = "lost";
      $("connection").textContent = `not answering (${error.message})`;
    } finally {
      polling = null;
    }
  })();
  return polling;
}

function loop() {
  poll().finally(() => setTimeout(loop, POLL_MS));
}

document.addEventListener("DOMContentLoaded", () => {
  $("only-violations").addEventListener("change", renderJournal);
  $("account").addEventListener("change", (event) => switchAccount(event.target.value));
  $("user-search").addEventListener("input", (event) => {
    view.query = event.target.value.trim();
    view.usersKey = "";
    poll();
  });
  $("reset-all").addEventListener("click", () => {
    if (confirm("Reset the fake? Users, tokens, scenario states and the journal in memory go back to the start.")) {
      act("/reset");
    }
  });
  $("reset-scenarios").addEventListener("click", () => act("/scenarios/reset"));
  $("advance-minute").addEventListener("click", () => act("/clock/advance", { seconds: 60 }));
  $("advance-hour").addEventListener("click", () => act("/clock/advance", { seconds: 3600 }));
  loop();
});
