// The line under the conversation (a status region, so a screen reader hears it): what went wrong
// with the playground itself, or what a control did.

import { $ } from "./dom.js";

// A problem in red; `done` says what a control did, in the ordinary ink.
export function notice(message, { done = false } = {}) {
  $("#notice").textContent = message;
  $("#notice").classList.toggle("done", done);
}
