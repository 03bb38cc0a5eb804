// The playground's Slack client: draws /play/state (see playground/CONTRACT.md), redraws on each
// server-sent event, and turns what a person does into /play/* calls the server hands to the bot.

import { applyInitials, drawBlocks, h, readState, showErrors, text } from "./blocks.js";

const $ = (selector) => document.querySelector(selector);
const ui = { person: null, place: "dm", seen: {}, drawn: "", modal: "", errors: "" };
let state = null;

// `refused` shows what the playground said no to; a problem of its own goes to the notice.
async function call(path, body, { refused = notice } = {}) {
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

// A problem in red; `done` says what a control did, in the ordinary ink.
function notice(message, { done = false } = {}) {
  $("#notice").textContent = message;
  $("#notice").classList.toggle("done", done);
}

const me = () => state.people.find((p) => p.id === ui.person);
const names = () => ({
  users: new Map([[state.bot.id, state.bot.name], ...state.people.map((p) => [p.id, p.name])]),
  channels: new Map(state.channels.map((c) => [c.id, c.name])),
});
const conversationId = () => (ui.place === "dm" ? state.dms[ui.person] : ui.place);

// Times as the person sees them: in their own zone, with the date, since the clock can jump.
function when(iso, options = {}) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: me().tz,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    ...options,
  }).format(new Date(iso));
}

// The wall-clock fields of an instant in a zone, for <input type="datetime-local">, and back.
function localFields(iso, tz) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function instantOf(fields, tz) {
  const asUtc = Date.parse(`${fields}:00Z`);
  const offset = Date.parse(`${localFields(new Date(asUtc).toISOString(), tz)}:00Z`) - asUtc;
  return new Date(asUtc - offset).toISOString();
}

async function load() {
  const answer = await fetch("/play/state");
  const now = await answer.json();
  if (state && now.version < state.version) return; // an older answer overtaken by a newer one
  state = now;
  if (!ui.person || !state.people.some((p) => p.id === ui.person)) ui.person = state.people[0].id;
  draw();
}

function draw() {
  drawPeople();
  drawClock();
  drawSidebar();
  drawPlace();
  drawModal();
}

function drawPeople() {
  const select = $("#person");
  if (select.options.length !== state.people.length) {
    select.replaceChildren(...state.people.map((p) => h("option", { value: p.id }, p.name)));
  }
  select.value = ui.person;
  const person = me();
  $("#person-about").textContent = `${person.title} · ${person.tz.split("/").pop().replace("_", " ")}`;
  $("#team-name").textContent = state.team.name;
}

// A time the clock refuses (one in the past) does not stay in its box: the box shows the clock's
// time again, and the reason is said beside it (and read as the box's description).
async function moveClock(asked) {
  const said = await call("/play/clock", asked, { refused: clockRefused });
  if (said.ok) $("#clock-refused").textContent = "";
}

function clockRefused(reason) {
  $("#clock-at").value = localFields(state.now, me().tz);
  $("#clock-refused").textContent = `Not moved: ${reason.replace(/\.$/, "")}.`;
}

function drawClock() {
  const field = $("#clock-at");
  if (document.activeElement !== field) field.value = localFields(state.now, me().tz);
  $("#clock-zone").textContent = `${me().tz} · ${when(state.now, { year: "numeric" })}`;
}

// Unread dots: what arrived in a conversation since this person last looked at it.
function drawSidebar() {
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
      { type: "button", className: "place-button", "data-place": place, onclick: () => go(place) },
      label,
      h("span", { className: "badge", "aria-hidden": "true", hidden: true }),
    ),
  );
}

function go(place) {
  ui.place = place;
  ui.drawn = "";
  notice("");
  if (place === "home") call("/play/home", { user: ui.person });
  draw();
}

function drawPlace() {
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
    body.replaceChildren(
      view
        ? h(
            "div",
            { className: "home" },
            drawBlocks(view.blocks, {
              ...surface,
              act: (action) => call("/play/action", { user: ui.person, where: { kind: "home" }, action }),
            }),
          )
        : h("p", { className: "empty" }, "Opening Rebound's Home tab…"),
    );
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
  const act = (action) =>
    call("/play/action", {
      user: ui.person,
      where: { kind: "message", channel: message.channel, ts: message.ts },
      action,
    });
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
        h("time", { datetime: message.at }, when(message.at)),
        message.edited ? h("span", { className: "edited" }, "(edited)") : null,
      ),
      only ? h("p", { className: "only-you" }, "Only visible to you") : null,
      ...blocks,
      ...files,
    ),
  );
}

// A shared file as Slack's client draws it: an image inline, any other file as a card with its
// title, type and size, and a link that downloads it under its name.
function drawFile(file) {
  if (file.mimetype.startsWith("image/")) {
    const picture = h("img", { src: file.url, alt: file.title });
    return h("figure", { className: "file" }, picture, h("figcaption", {}, file.title));
  }
  // A file a playground kept from before cards (rebound-playground/) has no name, type or size.
  const type = file.pretty_type || "File";
  const name = file.name || file.title;
  const titleId = `file-title-${file.id}`;
  const about = file.size === undefined ? type : `${type} · ${readableSize(file.size)}`;
  const download = { href: file.url, download: name, "aria-label": `Download ${name}` };
  return h(
    "figure",
    { className: "file-card", "aria-labelledby": titleId },
    h("span", { className: "file-icon", "aria-hidden": "true" }, type.slice(0, 4)),
    h("figcaption", { className: "file-about" }, h("b", { id: titleId }, file.title), h("span", {}, about)),
    h("a", { className: "bk-button file-download", ...download }, "Download"),
  );
}

// Sizes as Slack shows them: 912 B, 2 KB, 1.4 MB.
function readableSize(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${unit > 0 && size < 10 ? Math.round(size * 10) / 10 : Math.round(size)} ${units[unit]}`;
}

// The person's modal stack: the top view is the one shown, as in Slack.
function drawModal() {
  const stack = state.modals[ui.person] || [];
  const view = stack[stack.length - 1];
  const layer = $("#modal-layer");
  const key = view ? `${ui.person}:${view.id}:${view.hash}` : "";
  if (key !== ui.modal) {
    ui.modal = key;
    layer.replaceChildren();
    layer.hidden = !view;
    if (!view) return;
    layer.append(drawDialog(view));
    applyInitials(layer);
    layer.querySelector("input, select, textarea")?.focus();
    ui.errors = "";
  }
  // The bot's errors, shown when they arrive; Slack's own checks stay until the field changes.
  const errors = JSON.stringify(view?.errors || {});
  if (view && errors !== ui.errors) showErrors(layer, view.errors || {});
  ui.errors = errors;
}

function drawDialog(view) {
  const titleId = `title-${view.id}`;
  const close = () => call("/play/close", { user: ui.person, view_id: view.id });
  const surface = {
    names: names(),
    people: state.people,
    channels: state.channels,
    act: (action) => call("/play/action", { user: ui.person, where: { kind: "modal", view_id: view.id }, action }),
  };
  const form = h(
    "form",
    { className: "modal-form", novalidate: true },
    h(
      "div",
      { className: "modal-head" },
      h("h2", { id: titleId }, text(view.title)),
      h("button", { type: "button", className: "close-x", "aria-label": "Close", onclick: close }, "×"),
    ),
    h(
      "div",
      { className: "modal-body" },
      drawBlocks(view.blocks, { ...surface, heading: "h3" }),
      h("p", { className: "modal-problem", role: "alert" }),
    ),
    h(
      "div",
      { className: "modal-foot" },
      h("button", { type: "button", className: "bk-button", onclick: close }, text(view.close) || "Cancel"),
      view.submit ? h("button", { type: "submit", className: "bk-button primary" }, text(view.submit)) : null,
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { values, problems } = readState(form, view);
    showErrors(form, problems);
    if (Object.keys(problems).length) return;
    ui.errors = null; // the bot's answer is shown even when it repeats the last errors
    const said = await call("/play/submit", { user: ui.person, view_id: view.id, values });
    if (!said.ok)
      form.querySelector(".modal-problem").textContent = said.error || "We had some trouble connecting. Try again?";
  });
  form.addEventListener("keydown", (event) => event.key === "Escape" && close());
  // As in Slack, a field's error goes once the person changes that field.
  form.addEventListener("input", (event) => {
    const wrap = event.target.closest(".bk-input");
    if (!wrap) return;
    wrap.classList.remove("invalid");
    wrap.querySelector(".bk-error").textContent = "";
  });
  // The dialog holds the form: a <form> may not take the dialog role.
  return h("div", { className: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId }, form);
}

function wire() {
  $("#person").addEventListener("change", (event) => {
    ui.person = event.target.value;
    ui.drawn = "";
    notice("");
    if (ui.place === "home") call("/play/home", { user: ui.person });
    draw();
  });
  for (const [place, label] of [
    ["dm", "Rebound"],
    ["home", "Home"],
  ])
    $("#apps").append(placeButton(place, label));
  const box = $("#message");
  $("#composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = box.value.trim();
    if (!typed) return;
    if (!typed.startsWith("/")) {
      notice("Rebound listens for its command: try /lost-deal Acme Corp, or /lost-deal help.");
      return;
    }
    notice("");
    const said = await call("/play/command", { user: ui.person, channel: conversationId(), text: typed });
    if (said.ok) box.value = "";
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("#composer").requestSubmit();
    }
  });
  $("#clock").addEventListener("submit", (event) => {
    event.preventDefault();
    const fields = $("#clock-at").value;
    if (fields) moveClock({ to: instantOf(fields, me().tz) });
    else clockRefused("pick a day and a time");
  });
  $("#clock-at").addEventListener("input", () => {
    $("#clock-refused").textContent = "";
  });
  $("#lose-in-hubspot").addEventListener("click", async () => {
    const said = await call("/play/hubspot", { user: ui.person });
    if (said.ok) notice(said.note, { done: true });
  });
  for (const button of document.querySelectorAll("[data-jump]")) {
    button.addEventListener("click", () => moveClock({ jump: button.dataset.jump }));
  }
  const events = new EventSource("/play/events");
  events.addEventListener("state", load);
  events.addEventListener("error", () => notice("Lost the playground; trying again…"));
  events.addEventListener("open", () => notice(""));
}

wire();
load();
