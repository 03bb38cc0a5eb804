// The person's modal stack: the top view is the one shown, as in Slack. Its form is read back in
// view.state.values' shape and submitted; Slack's own checks and the bot's errors show by the fields.

import { applyInitials, drawBlocks, readState, showErrors, text } from "./blocks.js";
import { $, h } from "./dom.js";
import { acting, call, names, state, ui } from "./state.js";

export function drawModal() {
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
    act: (action) => acting({ kind: "modal", view_id: view.id })(action, readState(form, view).values),
    suggest: (actionId, value) =>
      call("/play/suggest", { user: ui.person, view_id: view.id, action_id: actionId, value }, { refused: () => {} }),
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
