// Rebound's App Home tab: the view the bot published for this person. As in Slack, the page asks
// for it (app_home_opened) each time the person opens the tab, and shows a wait until it comes.

import { drawBlocks, readState } from "./blocks.js";
import { h } from "./dom.js";
import { acting, call, ui } from "./state.js";

export function openHome() {
  call("/play/home", { user: ui.person });
}

// Each action carries the tab's inputs as the person left them (view.state.values), as Slack sends it.
export function drawHome(view, surface) {
  if (!view) return h("p", { className: "empty" }, "Opening Rebound's Home tab…");
  const home = h("div", { className: "home", "data-person": ui.person });
  const act = acting({ kind: "home" });
  home.append(...drawBlocks(view.blocks, { ...surface, act: (action) => act(action, readState(home, view).values) }));
  return home;
}
