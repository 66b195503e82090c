// List messages and reply buttons on the phone page: show them as WhatsApp does and let
// the user tap a row or a button, which posts the list_reply / button_reply webhook.
// Loaded by phone.html; uses its currentNumber(), refresh() and notice.
"use strict";

const openLists = new Set();  // lists the user has opened survive the page's re-rendering

(function addStyles() {
  const style = document.createElement("style");
  style.textContent = `
    .ia { display: flex; flex-direction: column; gap: 4px; margin-top: 6px; white-space: normal; }
    .ia summary, .ia button { min-height: 44px; width: 100%; border-radius: 8px; padding: 8px 10px;
      background: #fff; color: #075e54; border: 1px solid #c8d6d2; font: inherit; cursor: pointer;
      text-align: center; list-style: none; display: flex; align-items: center; justify-content: center; }
    .ia summary::-webkit-details-marker { display: none; }
    .ia .rows { display: flex; flex-direction: column; gap: 4px; margin-top: 4px; }
    .ia .rows button { flex-direction: column; align-items: flex-start; text-align: start; }
    .ia .rows small { color: #556; }
    .ia .section { font-size: 12px; color: #556; margin: 4px 2px 0; }
  `;
  document.head.append(style);
})();

async function tapReply(reply) {
  const number = currentNumber();
  if (!number) return;
  notice.textContent = "Wird gesendet …";
  try {
    const response = await fetch("/_sim/inbound", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({...sender(number), text: reply.title, type: "interactive", reply: reply}),
    });
    const result = await response.json();
    notice.textContent = result.status === 200 ? "" :
      "Die App hat die Auswahl nicht angenommen (" + (result.status ?? result.error ?? "keine Antwort") + ").";
  } catch (error) {
    notice.textContent = "Senden fehlgeschlagen.";
  }
  refresh();
}

function replyButton(label, detail, reply) {
  const button = document.createElement("button");
  button.type = "button";
  button.dir = "auto";  // an Arabic row reads right to left
  const title = document.createElement("span");
  title.textContent = label;
  button.append(title);
  if (detail) {
    const small = document.createElement("small");
    small.textContent = detail;
    button.append(small);
  }
  // Like WhatsApp, a tap closes the list it came from.
  button.addEventListener("click", () => { openLists.clear(); tapReply(reply); });
  return button;
}

function renderInteractive(interactive, key) {
  const box = document.createElement("div");
  box.className = "ia";
  const action = interactive.action || {};
  if (interactive.type === "button") {
    for (const {reply} of action.buttons || []) {
      box.append(replyButton(reply.title, "", {type: "button_reply", id: reply.id, title: reply.title}));
    }
    return box;
  }
  const details = document.createElement("details");
  details.open = openLists.has(key);
  details.addEventListener("toggle", () => details.open ? openLists.add(key) : openLists.delete(key));
  const summary = document.createElement("summary");
  summary.textContent = "☰ " + (action.button || "Auswahl");
  details.append(summary);
  const rows = document.createElement("div");
  rows.className = "rows";
  for (const section of action.sections || []) {
    if (section.title) {
      const heading = document.createElement("p");
      heading.className = "section";
      heading.textContent = section.title;
      rows.append(heading);
    }
    for (const row of section.rows || []) {
      rows.append(replyButton(row.title, row.description, {
        type: "list_reply", id: row.id, title: row.title, description: row.description || "",
      }));
    }
  }
  details.append(rows);
  box.append(details);
  return box;
}
