// The playground's Slack client: draws /play/state (see playground/CONTRACT.md), redraws on each
// server-sent event, and turns what a person does into /play/* calls the server hands to the bot.
// This entry only wires the page's controls; state.js holds what the page knows, and each view
// module draws one part of the page from it.

import { openHome } from "./app-home.js";
import { clearClockRefusal, drawClock, moveClock, setClock } from "./clock-box.js";
import { drawPlace, sendTyped } from "./conversation.js";
import { $ } from "./dom.js";
import { drawModal } from "./modal.js";
import { notice } from "./notice.js";
import { drawPeople } from "./people.js";
import { drawApps, drawSidebar } from "./sidebar.js";
import { call, listen, load, state, ui } from "./state.js";

// Before the first state comes there is nothing to draw: a click then only changes this tab's
// choices, which the first state is drawn with.
function draw() {
  if (!state) return;
  drawPeople();
  drawClock();
  drawSidebar();
  drawPlace();
  drawModal();
}

async function refresh() {
  if (await load()) draw();
}

// Another person or another conversation: the pane is drawn afresh, and Home asks for its view.
function go({ person = ui.person, place = ui.place }) {
  ui.person = person;
  ui.place = place;
  ui.drawn = "";
  notice("");
  if (place === "home") openHome();
  draw();
}

function wire() {
  $("#person").addEventListener("change", (event) => go({ person: event.target.value }));
  drawApps();
  $(".sidebar").addEventListener("click", (event) => {
    const button = event.target.closest("[data-place]");
    if (button) go({ place: button.dataset.place });
  });
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    if (state) sendTyped(); // who is typing is known once the first state came
  });
  $("#message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("#composer").requestSubmit();
    }
  });
  $("#clock").addEventListener("submit", (event) => {
    event.preventDefault();
    setClock($("#clock-at").value);
  });
  $("#clock-at").addEventListener("input", clearClockRefusal);
  for (const button of document.querySelectorAll("[data-jump]")) {
    button.addEventListener("click", () => moveClock({ jump: button.dataset.jump }));
  }
  $("#lose-in-hubspot").addEventListener("click", async () => {
    const said = await call("/play/hubspot", { user: ui.person });
    if (said.ok) notice(said.note, { done: true });
  });
  listen(refresh);
}

wire();
refresh();
