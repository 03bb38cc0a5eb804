// The main pane: the open conversation (a channel or Rebound's DM) with its messages, this person's
// ephemeral ones among them, and the composer that sends Rebound's slash command; or App Home.

import { drawHome } from "./app-home.js";
import { applyInitials, drawBlocks, keepTyped, text } from "./blocks.js";
import { $, h } from "./dom.js";
import { notice } from "./notice.js";
import { drawFile } from "./shared-file.js";
import { acting, call, conversationId, me, names, state, ui } from "./state.js";
import { when } from "./times.js";

export function drawPlace() {
  const home = ui.place === "home";
  const channel = state.channels.find((c) => c.id === ui.place);
  const title = home ? "Rebound · Home" : channel ? `#${channel.name}` : "Rebound";
  const messages = home ? null : state.conversations[conversationId()] || [];
  const mine = home ? null : (state.ephemeral[ui.person] || []).filter((m) => m.channel === conversationId());
  const view = home ? state.homes[ui.person] : null;
  // Redraw only what changed, so a click's focus and the scroll position survive other updates.
  const key = JSON.stringify([ui.person, ui.place, messages, mine, view?.hash, view?.blocks]);
  if (key === ui.drawn) return;
  ui.drawn = key;
  $("#place-title").textContent = title;
  $("#composer").hidden = home;
  $("#message").placeholder = channel ? `Message #${channel.name}` : "Message Rebound: /lost-deal Acme Corp";
  const surface = { names: names(), people: state.people, channels: state.channels };
  const body = $("#place");
  if (home) {
    const drawn = drawHome(view, surface);
    applyInitials(drawn);
    const focus = keepTyped(body.querySelector(`.home[data-person="${ui.person}"]`), drawn);
    body.replaceChildren(drawn);
    focus?.focus({ preventScroll: true });
    return;
  }
  const all = [...messages.map((m) => ({ m, only: false })), ...mine.map((m) => ({ m, only: true }))].sort((a, b) =>
    a.m.at < b.m.at ? -1 : a.m.at > b.m.at ? 1 : 0,
  );
  const list = h("ol", { className: "messages", "aria-label": `Messages in ${title}` });
  for (const { m, only } of all) list.append(drawMessage(m, only, surface));
  if (all.length === 0) {
    list.append(
      h(
        "li",
        { className: "empty" },
        channel
          ? `Nothing in #${channel.name} yet. Rebound posts the weekly digest here.`
          : "Type /lost-deal Acme Corp below to write your first autopsy.",
      ),
    );
  }
  body.replaceChildren(list);
  body.scrollTop = body.scrollHeight;
  // An image (the digest's chart) loads after the list is drawn: whoever was at the newest message stays there.
  for (const image of list.querySelectorAll("img")) {
    image.addEventListener("load", () => {
      if (body.scrollHeight - body.scrollTop - body.clientHeight <= image.height + 8)
        body.scrollTop = body.scrollHeight;
    });
  }
}

function drawMessage(message, only, surface) {
  const author = surface.names.users.get(message.user) || message.user;
  const act = acting({ kind: "message", channel: message.channel, ts: message.ts });
  const blocks = message.blocks?.length
    ? drawBlocks(message.blocks, { ...surface, act })
    : message.text
      ? [text({ type: "mrkdwn", text: message.text }, surface.names)]
      : [];
  const files = (message.files || []).map(drawFile);
  return h(
    "li",
    { className: `message${only ? " ephemeral" : ""}` },
    h("span", { className: "avatar", "aria-hidden": "true" }, author.slice(0, 1)),
    h(
      "div",
      { className: "message-body" },
      h(
        "p",
        { className: "message-meta" },
        h("b", {}, author),
        message.user === state.bot.id ? h("span", { className: "app-tag" }, "APP") : null,
        h("time", { datetime: message.at }, when(message.at, me().tz)),
        message.edited ? h("span", { className: "edited" }, "(edited)") : null,
      ),
      only ? h("p", { className: "only-you" }, "Only visible to you") : null,
      ...blocks,
      ...files,
    ),
  );
}

// Rebound listens only for its command here; the box empties once the playground took it, unless
// the person has typed something else meanwhile (the reply can show before the call returns).
export async function sendTyped() {
  const box = $("#message");
  const typed = box.value.trim();
  if (!typed) return;
  if (!typed.startsWith("/")) {
    notice("Rebound listens for its command: try /lost-deal Acme Corp, or /lost-deal help.");
    return;
  }
  notice("");
  const said = await call("/play/command", { user: ui.person, channel: conversationId(), text: typed });
  if (said.ok && box.value.trim() === typed) box.value = "";
}
