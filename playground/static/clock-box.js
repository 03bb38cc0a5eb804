// The playground's clock in the top bar: the time in this person's zone, and the controls that move
// it (the server's clock, so the bot's sweeps and digests fall due as they would in a real week).

import { $ } from "./dom.js";
import { call, me, state } from "./state.js";
import { instantOf, localFields, when } from "./times.js";

export function drawClock() {
  const field = $("#clock-at");
  // Not while the person is typing a time into it.
  if (document.activeElement !== field) field.value = localFields(state.now, me().tz);
  $("#clock-zone").textContent = `${me().tz} · ${when(state.now, me().tz, { year: "numeric" })}`;
}

// The time typed into the box, read in this person's zone.
export function setClock(fields) {
  if (fields) moveClock({ to: instantOf(fields, me().tz) });
  else clockRefused("pick a day and a time");
}

// A time the clock refuses (one in the past) does not stay in its box: the box shows the clock's
// time again, and the reason is said beside it (and read as the box's description).
export async function moveClock(asked) {
  const said = await call("/play/clock", asked, { refused: clockRefused });
  if (said.ok) clearClockRefusal();
}

function clockRefused(reason) {
  $("#clock-at").value = localFields(state.now, me().tz);
  $("#clock-refused").textContent = `Not moved: ${reason.replace(/\.$/, "")}.`;
}

export function clearClockRefusal() {
  $("#clock-refused").textContent = "";
}
