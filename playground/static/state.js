// What the page knows and the only place it talks to the playground server: the state the server
// last sent (/play/state, see playground/CONTRACT.md), this tab's own choices, and the /play/* calls.

import { notice } from "./notice.js";

// This tab's own: who the person is, where they are, what they have seen, and keys of what is
// drawn so a view redraws only what changed. The server knows nothing of it.
export const ui = { person: null, place: "dm", seen: {}, drawn: "", modal: "", errors: "" };

// The server's state, replaced whole by each newer answer; views read it afresh at every draw.
export let state = null;

// Whether a newer state came: answers can arrive out of order, and an older one is dropped.
export async function load() {
  const answer = await fetch("/play/state");
  const now = await answer.json();
  if (state && now.version < state.version) return false; // an older answer overtaken by a newer one
  state = now;
  if (!ui.person || !state.people.some((p) => p.id === ui.person)) ui.person = state.people[0].id;
  return true;
}

// The server says "state" after every change; `changed` then loads and draws it.
export function listen(changed) {
  const events = new EventSource("/play/events");
  events.addEventListener("state", changed);
  events.addEventListener("error", () => notice("Lost the playground; trying again…"));
  events.addEventListener("open", () => notice(""));
}

// `refused` shows what the playground said no to; a problem of its own goes to the notice.
export async function call(path, body, { refused = notice } = {}) {
  try {
    const answer = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const said = await answer.json();
    if (!said.ok) refused(said.error || "Something went wrong.");
    return said;
  } catch {
    notice("The playground is not answering. Is `rebound playground` still running?");
    return { ok: false };
  }
}

// A block's action goes to the bot with where the block sits (a message, Home or a modal), as Slack
// sends it; from a view, with its inputs' `values` as the person left them.
export const acting = (where) => (action, values) =>
  call("/play/action", { user: ui.person, where, action, ...(values ? { values } : {}) });

export const me = () => state.people.find((p) => p.id === ui.person);
export const names = () => ({
  users: new Map([[state.bot.id, state.bot.name], ...state.people.map((p) => [p.id, p.name])]),
  channels: new Map(state.channels.map((c) => [c.id, c.name])),
});
export const conversationId = () => (ui.place === "dm" ? state.dms[ui.person] : ui.place);
