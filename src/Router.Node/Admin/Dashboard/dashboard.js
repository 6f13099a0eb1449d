// The live dashboard: polls GET /admin/dashboard/data with the admin token and renders it. Rates (requests/s,
// errors/s) are derived here from successive samples of the nodes' counters; the server keeps no rate state.
// Everything from the API is written with textContent: endpoint ids and urls are data, never markup.
"use strict";

(function () {
  const TOKEN_KEY = "llm-router.admin-token";
  const REFRESH_MS = 1500;
  const RATE_WINDOW_MS = 10000; // rates over the last ~10 s of samples: steadier than one 1.5 s step

  const $ = (id) => document.getElementById(id);
  let timer = null;
  let history = []; // [{ at, groups: {name: {requests, errors}}, endpoints: {id: {incarnation, requests, failures}} }]

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function showLogin(message) {
    clearTimeout(timer);
    timer = null;
    history = [];
    $("board").hidden = true;
    $("login").hidden = false;
    $("sign-out").hidden = true;
    $("self").textContent = "";
    $("updated").textContent = "";
    setStatus("signed out", "");
    const error = $("login-error");
    error.hidden = !message;
    error.textContent = message || "";
    $("token").focus();
  }

  function setStatus(text, kind) {
    const status = $("status");
    status.textContent = text;
    status.className = "pill" + (kind ? " " + kind : "");
  }

  async function refresh() {
    const current = token();
    if (!current) { showLogin(); return; }
    try {
      const response = await fetch("/admin/dashboard/data", {
        headers: { "Authorization": "Bearer " + current, "Accept": "application/json" },
        cache: "no-store",
      });
      if (response.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        let reason = "The admin API refused the token.";
        try { reason = (await response.json()).error || reason; } catch (e) { /* keep the generic reason */ }
        showLogin(reason);
        return;
      }
      if (!response.ok) throw new Error("the admin API answered " + response.status);
      const data = await response.json();
      $("login").hidden = true;
      $("board").hidden = false;
      $("sign-out").hidden = false;
      render(data);
    } catch (e) {
      setStatus("no answer: " + e.message, "bad");
    }
    if (token()) timer = setTimeout(refresh, REFRESH_MS);
  }

  // ---- rates from successive samples ----

  function sample(data) {
    const groups = {};
    for (const g of data.stats.groups) groups[g.group] = { requests: g.requests, errors: g.errors };
    const endpoints = {};
    for (const e of data.endpoints) {
      endpoints[e.definition.id] = { incarnation: e.snapshot.incarnation, requests: e.snapshot.totalRequests, failures: e.snapshot.totalFailures };
    }
    return { at: Date.parse(data.at), groups, endpoints };
  }

  function remember(now) {
    history.push(now);
    // Keep one sample at least RATE_WINDOW_MS old, drop anything older than that one.
    while (history.length > 2 && now.at - history[1].at >= RATE_WINDOW_MS) history.shift();
  }

  /** Per second between the oldest kept sample and now; null when there is no earlier sample or a counter went back (a node left, an actor restarted). */
  function rate(pick) {
    if (history.length < 2) return null;
    const first = history[0], last = history[history.length - 1];
    const seconds = (last.at - first.at) / 1000;
    const a = pick(first), b = pick(last);
    if (seconds <= 0 || a === undefined || b === undefined || a === null || b === null || b < a) return null;
    return (b - a) / seconds;
  }

  // ---- formatting ----

  const number = (n) => (n === null || n === undefined) ? "–" : Number(n).toLocaleString("en-US");
  const perSecond = (r) => r === null ? "–" : r.toFixed(r >= 10 ? 0 : r >= 1 ? 1 : 2);
  const ms = (w, key) => (!w || !w.samples) ? "–" : Math.round(w[key]).toLocaleString("en-US");

  function cell(row, text, field, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (field) td.dataset.field = field;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  /** "used / limit" with a meter when there is a limit. */
  function usedOf(row, used, limit, field) {
    const td = cell(row, "", field, "num");
    if (limit) {
      const meter = document.createElement("meter");
      meter.min = 0; meter.max = limit; meter.value = Math.min(used, limit);
      meter.low = limit * 0.7; meter.high = limit * 0.9; meter.optimum = 0;
      td.appendChild(meter);
    }
    td.appendChild(document.createTextNode(number(used) + " / " + (limit ? number(limit) : "∞")));
  }

  function circuit(s) {
    switch (s.circuit) {
      case "Open": return { text: "open" + (s.cooldownUntil ? " until " + new Date(s.cooldownUntil).toLocaleTimeString() : ""), css: "circuit-open" };
      case "HalfOpen": return { text: "half-open (probing)", css: "circuit-half-open" };
      default: return { text: "closed" + (s.consecutiveFailures ? " (" + s.consecutiveFailures + " failed in a row)" : ""), css: "circuit-closed" };
    }
  }

  function replaceRows(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  // ---- rendering ----

  function render(data) {
    const now = sample(data);
    remember(now);

    $("self").textContent = data.cluster.self;
    $("updated").textContent = "updated " + new Date(data.at).toLocaleTimeString();
    const partial = data.stats.notAnswered.length > 0 || data.snapshotsCached;
    setStatus(partial ? "partial" : "live", partial ? "warn" : "ok");

    const warnings = [];
    if (data.stats.notAnswered.length > 0) {
      warnings.push("Not counted (did not answer in time): " + data.stats.notAnswered.join(", ") + ". Request counts and rates cover the other nodes only.");
    }
    if (data.snapshotsCached) warnings.push("Some endpoint actors did not answer in time: their figures are this node's latest pushed copy.");
    const unreachable = data.cluster.members.filter((m) => !m.reachable).map((m) => m.address);
    if (unreachable.length > 0) warnings.push("Unreachable members: " + unreachable.join(", "));
    replaceRows($("warnings"), warnings.map((text) => {
      const div = document.createElement("div");
      div.className = "warning";
      div.textContent = text;
      return div;
    }));

    let totalRequests = 0, totalErrors = 0;
    for (const g of data.stats.groups) { totalRequests += g.requests; totalErrors += g.errors; }
    const sum = (s, key) => Object.values(s.groups).reduce((a, g) => a + g[key], 0);
    $("total-requests").textContent = number(totalRequests);
    $("total-errors").textContent = number(totalErrors);
    $("total-rps").textContent = perSecond(rate((s) => sum(s, "requests")));
    $("total-eps").textContent = perSecond(rate((s) => sum(s, "errors")));
    $("total-in-flight").textContent = number(data.endpoints.reduce((a, e) => a + e.snapshot.inFlight, 0));
    $("member-count").textContent = number(data.cluster.members.length);

    renderMembers(data.cluster);
    renderGroups(data);
    renderNodes(data.stats);
  }

  function renderMembers(cluster) {
    replaceRows($("members").tBodies[0], cluster.members.map((m) => {
      const row = document.createElement("tr");
      row.dataset.member = m.address;
      cell(row, m.address + (m.address === cluster.leader ? " (leader)" : "") + (m.address === cluster.self ? " (this node)" : ""), "address");
      cell(row, m.status, "status", "status-" + m.status);
      cell(row, m.roles.join(", "), "roles");
      cell(row, m.reachable ? "yes" : "no", "reachable", m.reachable ? "reachable-yes" : "reachable-no");
      cell(row, number(m.upNumber), "age", "num");
      return row;
    }));
  }

  function renderGroups(data) {
    const statsByGroup = {};
    for (const g of data.stats.groups) statsByGroup[g.group] = g;
    const sections = data.groups.map((g) => {
      const stats = statsByGroup[g.name] || { requests: 0, errors: 0, retries: 0, fallbacks: 0 };
      const section = document.createElement("section");
      section.className = "group";
      section.dataset.group = g.name;

      const title = document.createElement("h2");
      title.textContent = g.name + " ";
      const about = document.createElement("span");
      about.className = "muted";
      about.textContent = g.strategy + (g.fallbacks.length ? " · fallbacks " + g.fallbacks.join(", ") : "");
      title.appendChild(about);
      section.appendChild(title);

      const summary = document.createElement("table");
      summary.className = "group-stats";
      summary.innerHTML = "<thead><tr><th class=num>requests</th><th class=num>requests/s</th><th class=num>errors</th><th class=num>errors/s</th><th class=num>error %</th><th class=num>retries</th><th class=num>fallbacks</th></tr></thead>";
      const row = document.createElement("tr");
      cell(row, number(stats.requests), "requests", "num");
      cell(row, perSecond(rate((s) => s.groups[g.name] ? s.groups[g.name].requests : (s === history[0] ? 0 : undefined))), "rps", "num");
      cell(row, number(stats.errors), "errors", "num");
      cell(row, perSecond(rate((s) => s.groups[g.name] ? s.groups[g.name].errors : (s === history[0] ? 0 : undefined))), "eps", "num");
      cell(row, stats.requests ? (100 * stats.errors / stats.requests).toFixed(1) + "%" : "–", "error-percent", "num");
      cell(row, number(stats.retries), "retries", "num");
      cell(row, number(stats.fallbacks), "fallbacks", "num");
      const body = document.createElement("tbody");
      body.appendChild(row);
      summary.appendChild(body);
      section.appendChild(summary);

      const endpoints = document.createElement("table");
      endpoints.className = "endpoints";
      endpoints.innerHTML = "<thead><tr><th>endpoint</th><th>state</th><th class=num>in flight / cap</th><th class=num>latency p50 ms</th><th class=num>p95 ms</th>" +
        "<th class=num>TTFT p50 ms</th><th class=num>p95 ms</th><th class=num>rpm used / limit</th><th class=num>tpm used / limit</th><th>breaker</th>" +
        "<th class=num>requests/s</th><th class=num>failures/s</th><th class=num>requests</th><th class=num>failures</th></tr></thead>";
      const rows = document.createElement("tbody");
      for (const e of data.endpoints.filter((x) => x.definition.modelGroup === g.name)) {
        const d = e.definition, s = e.snapshot;
        const tr = document.createElement("tr");
        tr.dataset.endpoint = d.id;
        cell(tr, d.id, "id").title = d.url;
        cell(tr, e.state, "state", "state-" + e.state);
        usedOf(tr, s.inFlight, d.maxInFlight, "in-flight");
        cell(tr, ms(s.latency, "p50Ms"), "latency-p50", "num");
        cell(tr, ms(s.latency, "p95Ms"), "latency-p95", "num");
        cell(tr, ms(s.timeToFirstToken, "p50Ms"), "ttft-p50", "num");
        cell(tr, ms(s.timeToFirstToken, "p95Ms"), "ttft-p95", "num");
        usedOf(tr, s.requestsLastMinute, d.rpm, "rpm");
        usedOf(tr, s.tokensLastMinute, d.tpm, "tpm");
        const breaker = circuit(s);
        cell(tr, breaker.text, "breaker", breaker.css);
        const same = (x) => x.endpoints[d.id] && x.endpoints[d.id].incarnation === s.incarnation ? x.endpoints[d.id] : null;
        cell(tr, perSecond(rate((x) => same(x) ? same(x).requests : null)), "rps", "num");
        cell(tr, perSecond(rate((x) => same(x) ? same(x).failures : null)), "fps", "num");
        cell(tr, number(s.totalRequests), "requests", "num");
        cell(tr, number(s.totalFailures), "failures", "num");
        rows.appendChild(tr);
      }
      endpoints.appendChild(rows);
      section.appendChild(endpoints);
      return section;
    });
    replaceRows($("groups"), sections);
  }

  function renderNodes(stats) {
    const rows = stats.nodes.map((n) => {
      const row = document.createElement("tr");
      row.dataset.node = n.address;
      const total = (key) => n.groups.reduce((a, g) => a + g[key], 0);
      cell(row, n.address, "address");
      cell(row, number(total("requests")), "requests", "num");
      cell(row, number(total("errors")), "errors", "num");
      cell(row, number(total("retries")), "retries", "num");
      cell(row, number(total("fallbacks")), "fallbacks", "num");
      return row;
    });
    for (const address of stats.notAnswered) {
      const row = document.createElement("tr");
      row.dataset.node = address;
      cell(row, address, "address");
      const td = cell(row, "did not answer in time", "requests", "reachable-no");
      td.colSpan = 4;
      rows.push(row);
    }
    replaceRows($("nodes").tBodies[0], rows);
  }

  // ---- sign in / out ----

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("token");
      const value = input.value.trim();
      input.value = ""; // the token lives in sessionStorage only, not in the form
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      $("login-error").hidden = true;
      clearTimeout(timer);
      refresh();
    });
    $("sign-out").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin();
    });
    if (token()) refresh(); else showLogin();
  });
})();
