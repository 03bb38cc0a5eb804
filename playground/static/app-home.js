// Rebound's App Home tab: the view the bot published for this person. As in Slack, the page asks
// for it (app_home_opened) each time the person opens the tab, and shows a wait until it comes.

import { drawBlocks } from "./blocks.js";
import { h } from "./dom.js";
import { acting, call, ui } from "./state.js";

export function openHome() {
  call("/play/home", { user: ui.person });
}

export function drawHome(view, surface) {
  if (!view) return h("p", { className: "empty" }, "Opening Rebound's Home tab…");
  return h("div", { className: "home" }, drawBlocks(view.blocks, { ...surface, act: acting({ kind: "home" }) }));
}
