// The conversations a person can open, as Slack's sidebar lists them: the channels, then Rebound's
// DM and Home. A click on one is wired in app.js (each button says its place in data-place).

import { $, h } from "./dom.js";
import { state, ui } from "./state.js";

export function drawApps() {
  for (const [place, label] of [
    ["dm", "Rebound"],
    ["home", "Home"],
  ])
    $("#apps").append(placeButton(place, label));
}

// Unread dots: what arrived in a conversation since this person last looked at it.
export function drawSidebar() {
  const lessons = $("#channels");
  if (lessons.childElementCount === 0) {
    for (const channel of state.channels) lessons.append(placeButton(channel.id, `#${channel.name}`));
  }
  const counts = { dm: (state.conversations[state.dms[ui.person]] || []).length };
  for (const channel of state.channels) counts[channel.id] = (state.conversations[channel.id] || []).length;
  ui.seen[ui.person] ||= {};
  const seen = ui.seen[ui.person];
  seen[ui.place] = counts[ui.place] ?? 0;
  for (const button of document.querySelectorAll("[data-place]")) {
    const place = button.dataset.place;
    button.setAttribute("aria-current", place === ui.place ? "page" : "false");
    const unread = place in counts ? counts[place] - (seen[place] ?? 0) : 0;
    const badge = button.querySelector(".badge");
    badge.textContent = unread > 0 ? String(unread) : "";
    badge.hidden = unread <= 0;
  }
}

function placeButton(place, label) {
  return h(
    "li",
    {},
    h(
      "button",
      { type: "button", className: "place-button", "data-place": place },
      label,
      h("span", { className: "badge", "aria-hidden": "true", hidden: true }),
    ),
  );
}
