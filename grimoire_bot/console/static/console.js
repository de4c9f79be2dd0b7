// Grimoire console: the editor's live check and the review queue's keyboard shortcuts.
// No framework, no build step; every value from the server is shown as text, never HTML.
"use strict";

const CHECK_URL = "/console/api/check";
const CHECK_DELAY_MS = 300;

function csrfToken() {
  const main = document.getElementById("main");
  return main ? main.dataset.csrf : "";
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function setStatus(node, text, good) {
  node.textContent = text;
  node.classList.toggle("ok", good === true);
  node.classList.toggle("bad", good === false);
}

// ------------------------------------------------------------------ the editor

function editedSpell(form) {
  const value = (name) => (form.elements[name] ? form.elements[name].value : "");
  const spellId = form.dataset.spellId ? Number(form.dataset.spellId) : null;
  return {
    spell_id: spellId,
    key: value("key") || null,
    title: value("title"),
    description: value("description"),
    error_type: value("error_type") || null,
    error_pattern: value("error_pattern"),
    tags: value("tags"),
    ecosystem: value("ecosystem") || null,
    scope: value("scope") || "log",
    examples: value("examples").split("\n").filter((line) => line.trim() !== "").slice(0, 20),
  };
}

function showExamples(list, examples) {
  list.replaceChildren();
  for (const example of examples) {
    const mark = example.matched ? "✓ matched: " : "✗ not matched: ";
    list.append(element("li", mark + example.text, example.matched ? "ok" : "bad"));
  }
}

function showBreadth(node, breadth) {
  node.replaceChildren();
  if (!breadth) return;
  const summary = `Matches ${breadth.harmless_matched} of ${breadth.harmless_total} ordinary log lines ` +
    `and the examples of ${breadth.spells_matched_count} of ${breadth.spells_total} other spells.`;
  node.append(element("p", breadth.problem || summary, breadth.problem ? "bad" : "ok"));
  if (breadth.problem) node.append(element("p", summary));
}

function showRecent(node, recent) {
  node.replaceChildren();
  if (!recent) return;
  node.append(element("p", `Matches ${recent.fingerprints_matched} of the ${recent.fingerprints_total} ` +
    `kinds of error seen in the last 30 days (${recent.occurrences_matched} failures).`));
  const list = element("ul", null, "samples");
  for (const sample of recent.samples) {
    list.append(element("li", `${sample.message} · ${sample.occurrences}× in ${sample.repositories.join(", ")}`));
  }
  if (recent.samples.length) node.append(list);
}

function showRanks(node, errors, hasLog) {
  node.replaceChildren();
  if (!hasLog) return;
  if (!errors.length) {
    node.append(element("p", "Grimoire finds no error in this log."));
    return;
  }
  node.append(element("p", `Grimoire finds ${errors.length} error${errors.length === 1 ? "" : "s"}:`));
  const list = element("ol", null, "ranks");
  for (const error of errors) {
    const item = element("li");
    const place = error.file ? ` (${error.file}${error.line ? ":" + error.line : ""})` : "";
    item.append(element("code", error.message + place));
    const verdict = error.rank
      ? `This spell ranks #${error.rank} (score ${error.score}).`
      : "This spell is not offered for it.";
    item.append(element("p", verdict, error.rank === 1 ? "ok" : error.rank ? "" : "bad"));
    if (error.best.length) {
      const best = element("ul");
      for (const spell of error.best) {
        const name = spell.this_spell ? "this spell" : `#${spell.spell_id} ${spell.title}`;
        best.append(element("li", `${name} · ${spell.score}`));
      }
      item.append(best);
    }
    list.append(item);
  }
  node.append(list);
}

function startEditor(form) {
  const patternStatus = document.getElementById("pattern-status");
  const examplesStatus = document.getElementById("examples-status");
  const breadthStatus = document.getElementById("breadth-status");
  const recentStatus = document.getElementById("recent-status");
  const logBox = document.getElementById("check-log");
  const logResults = document.getElementById("log-results");
  let timer = null;
  let latest = 0;

  async function check() {
    const sent = ++latest;
    const body = editedSpell(form);
    body.log = logBox.value.trim() ? logBox.value : null;
    if (!body.error_pattern.trim()) {
      setStatus(patternStatus, "Write a pattern to check it.", null);
      return;
    }
    let answer;
    try {
      const response = await fetch(CHECK_URL, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify(body),
      });
      answer = await response.json();
      if (!response.ok) {
        const detail = Array.isArray(answer.detail)
          ? answer.detail.map((d) => `${d.loc.slice(1).join(".")}: ${d.msg}`).join("; ")
          : answer.detail;
        if (sent === latest) setStatus(patternStatus, `Cannot check: ${detail}`, false);
        return;
      }
    } catch (error) {
      if (sent === latest) setStatus(patternStatus, "Cannot reach the server to check.", false);
      return;
    }
    if (sent !== latest) return; // a newer check is on its way
    if (answer.pattern.ok) {
      setStatus(patternStatus, "✓ The pattern compiles under RE2.", true);
    } else {
      setStatus(patternStatus, "✗ " + answer.pattern.problem, false);
    }
    showExamples(examplesStatus, answer.examples);
    showBreadth(breadthStatus, answer.breadth);
    showRecent(recentStatus, answer.recent);
    showRanks(logResults, answer.errors, Boolean(body.log) && answer.pattern.ok);
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, CHECK_DELAY_MS);
  }

  form.addEventListener("input", later);
  logBox.addEventListener("input", later);
  check();
}

// ------------------------------------------------------------------ the review queue

function startReviewShortcuts(items) {
  let current = -1;

  function select(index) {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach((item, i) => item.classList.toggle("current", i === current));
    items[current].focus();
    items[current].scrollIntoView({ block: "start" });
  }

  function inCurrent(action) {
    return current >= 0 ? items[current].querySelector(`[data-action="${action}"]`) : null;
  }

  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "j") select(current + 1);
    else if (event.key === "k") select(current - 1);
    else if (event.key === "a" && inCurrent("approve")) inCurrent("approve").click();
    else if (event.key === "e" && inCurrent("edit")) inCurrent("edit").click();
    else if (event.key === "r" && inCurrent("reason")) inCurrent("reason").focus();
    else return;
    event.preventDefault();
  });
  items.forEach((item, i) => item.addEventListener("focusin", () => {
    current = i;
    items.forEach((other, j) => other.classList.toggle("current", j === i));
  }));
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("spell-form");
  if (form) startEditor(form);
  const items = Array.from(document.querySelectorAll("[data-review-item]"));
  if (items.length) startReviewShortcuts(items);
});
