// Block Kit drawn as Slack's client draws it, as DOM nodes (never HTML strings). Inputs carry their
// label as their accessible name and their hint as their description; what a person picks is read
// back by `readState` in the shape Slack sends in view.state.values.

import { h } from "./dom.js";
import { emojify, mrkdwn } from "./mrkdwn.js";

let serial = 0;
const fresh = (prefix) => `${prefix}-${++serial}`;

// A text object: plain_text as characters (its :emoji: drawn when emoji is on), mrkdwn as Slack renders it.
export function text(object, names) {
  if (!object) return "";
  if (object.type === "mrkdwn") return mrkdwn(object.text, names);
  return object.emoji === false ? object.text : emojify(object.text);
}

const plain = (object) => (object ? (object.emoji === false ? object.text : emojify(object.text)) : "");

// `act(action)` sends a block_actions for an interactive element outside an input (buttons,
// overflow menus, selects in sections and actions blocks), as Slack does on each click, and for
// Enter in an input block with dispatch_action (App Home's lessons search).
// `heading` is the tag of a header block: h2 under the page's h1, h3 in a modal under its title.
export function drawBlocks(blocks, surface) {
  return (blocks || []).map((block) => drawBlock(block, surface)).filter(Boolean);
}

function drawBlock(block, surface) {
  const { names } = surface;
  switch (block.type) {
    case "header":
      return h(surface.heading || "h2", { className: "bk-header" }, plain(block.text));
    case "divider":
      return h("hr", { className: "bk-divider" });
    case "section": {
      const body = h("div", { className: "bk-section-text" });
      if (block.text) body.append(text(block.text, names));
      if (block.fields)
        body.append(
          h(
            "div",
            { className: "bk-fields" },
            block.fields.map((f) => h("div", {}, text(f, names))),
          ),
        );
      const accessory = block.accessory
        ? h("div", { className: "bk-accessory" }, drawElement(block.accessory, block, surface))
        : null;
      return h("div", { className: "bk-section" }, body, accessory);
    }
    case "context":
      return h(
        "div",
        { className: "bk-context" },
        block.elements.map((e) =>
          e.type === "image" ? h("img", { src: e.image_url, alt: e.alt_text }) : h("span", {}, text(e, names)),
        ),
      );
    case "actions":
      return h(
        "div",
        { className: "bk-actions" },
        block.elements.map((e) => drawElement(e, block, surface)),
      );
    case "image":
      return h("figure", { className: "bk-image" }, h("img", { src: block.image_url, alt: block.alt_text }));
    case "input":
      return drawInput(block, surface);
    default:
      return h("p", { className: "bk-unknown" }, `(a ${block.type} block the playground does not draw)`);
  }
}

function option(o) {
  return { text: o.text, value: o.value, ...(o.description ? { description: o.description } : {}) };
}

// An interactive element outside an input block: it tells the bot at once.
function drawElement(element, block, surface) {
  const sent = { type: element.type, action_id: element.action_id, block_id: block.block_id };
  switch (element.type) {
    case "button": {
      const style = element.style ? ` ${element.style}` : "";
      if (element.url) {
        return h(
          "a",
          { className: `bk-button${style}`, href: element.url, target: "_blank", rel: "noopener noreferrer" },
          plain(element.text),
        );
      }
      return h(
        "button",
        {
          type: "button",
          className: `bk-button${style}`,
          onclick: () => surface.act({ ...sent, text: element.text, value: element.value, style: element.style }),
        },
        plain(element.text),
      );
    }
    case "overflow": {
      const menu = h("div", { className: "bk-menu", role: "menu", hidden: true });
      const opener = h(
        "button",
        {
          type: "button",
          className: "bk-overflow",
          "aria-label": "More actions",
          "aria-haspopup": "menu",
          "aria-expanded": "false",
        },
        "⋯",
      );
      const toggle = (open) => {
        menu.hidden = !open;
        opener.setAttribute("aria-expanded", String(open));
      };
      opener.addEventListener("click", () => toggle(menu.hidden));
      for (const o of element.options) {
        menu.append(
          h(
            "button",
            {
              type: "button",
              className: "bk-menu-item",
              role: "menuitem",
              onclick: () => {
                toggle(false);
                surface.act({ ...sent, selected_option: option(o) });
              },
            },
            plain(o.text),
          ),
        );
      }
      return h("div", { className: "bk-overflow-wrap" }, opener, menu);
    }
    case "datepicker": {
      // A day picked outside a form (Snooze until…) is sent at once, as Slack's client does.
      const picker = h("input", {
        type: "date",
        className: "bk-select",
        "aria-label": plain(element.placeholder) || "Pick a date",
        title: plain(element.placeholder) || "Pick a date",
        value: element.initial_date ?? "",
      });
      picker.addEventListener("change", () => {
        if (picker.value) surface.act({ ...sent, selected_date: picker.value });
      });
      return picker;
    }
    case "static_select": {
      const select = selectOf(element, surface, plain(element.placeholder) || "Select an item");
      select.setAttribute("aria-label", plain(element.placeholder) || "Select an item");
      select.addEventListener("change", () => {
        const o = element.options.find((each) => each.value === select.value);
        surface.act({ ...sent, selected_option: o ? option(o) : null });
      });
      return select;
    }
    default:
      return h("span", { className: "bk-unknown" }, `(${element.type})`);
  }
}

function selectOf(element, surface, placeholder) {
  const select = h("select", { className: "bk-select" });
  select.append(h("option", { value: "" }, placeholder));
  const choices =
    element.type === "users_select"
      ? surface.people.map((p) => ({ value: p.id, label: p.name }))
      : element.type === "conversations_select"
        ? surface.channels.map((c) => ({ value: c.id, label: `#${c.name}` }))
        : (element.options || []).map((o) => ({ value: o.value, label: plain(o.text) }));
  const initial =
    element.initial_option?.value ??
    element.initial_user ??
    element.initial_conversation ??
    element.initial_channel ??
    "";
  for (const choice of choices)
    select.append(h("option", { value: choice.value, selected: choice.value === initial }, choice.label));
  return select;
}

// An input block: label, the element named by it, hint, and a slot for an error under the field.
function drawInput(block, surface) {
  const element = block.element;
  const id = fresh("field");
  const labelId = `${id}-label`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [block.hint ? hintId : null, errorId].filter(Boolean).join(" ");
  const label = plain(block.label);
  const grouped = element.type === "radio_buttons" || element.type === "checkboxes";
  // A group of choices is named by aria-labelledby; a single control by its <label for>.
  const heading = h(
    grouped ? "div" : "label",
    { className: "bk-label", id: labelId, for: grouped ? null : id },
    label,
    block.optional ? h("span", { className: "optional" }, " (optional)") : null,
  );
  const required = !block.optional;
  const control = drawControl(element, { id, labelId, described, required, surface, name: fresh("choice") });
  if (dispatchesOnEnter(block)) {
    control.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
      event.preventDefault(); // in a modal, Enter would otherwise submit the whole form
      // An empty box sends nothing: there is nothing to act on.
      if (control.value.trim() === "") return;
      surface.act({ type: element.type, action_id: element.action_id, block_id: block.block_id, value: control.value });
    });
  }
  return h(
    "div",
    {
      className: "bk-input",
      "data-block-id": block.block_id,
      "data-action-id": element.action_id,
      "data-type": element.type,
      "data-optional": String(!!block.optional),
    },
    heading,
    control,
    block.hint ? h("p", { className: "bk-hint", id: hintId }, plain(block.hint)) : null,
    h("p", { className: "bk-error", id: errorId, role: "alert" }),
  );
}

// Slack sends a block_actions from an input block only when it sets dispatch_action; a plain-text
// input then dispatches on Enter unless its dispatch_action_config asks for other triggers only.
function dispatchesOnEnter(block) {
  const triggers = block.element.dispatch_action_config?.trigger_actions_on ?? ["on_enter_pressed"];
  return (
    Boolean(block.dispatch_action) && block.element.type === "plain_text_input" && triggers.includes("on_enter_pressed")
  );
}

// A control of an input that is not optional is marked required, as Slack's client marks it for
// screen readers; the form is `novalidate`, so the checks and their wording stay Slack's (readState).
function drawControl(element, { id, labelId, described, required, surface, name }) {
  const common = { id, "aria-describedby": described, className: "bk-control", required };
  switch (element.type) {
    case "plain_text_input":
      return h(element.multiline ? "textarea" : "input", {
        ...common,
        ...(element.multiline ? { rows: 3 } : { type: "text" }),
        placeholder: plain(element.placeholder) || null,
        maxlength: element.max_length,
        minlength: element.min_length,
        "data-initial": element.initial_value ?? "",
      });
    case "number_input":
      return h("input", {
        ...common,
        type: "number",
        inputmode: element.is_decimal_allowed ? "decimal" : "numeric",
        step: element.is_decimal_allowed ? "any" : "1",
        min: element.min_value,
        max: element.max_value,
        placeholder: plain(element.placeholder) || null,
        "data-initial": element.initial_value ?? "",
      });
    case "datepicker":
      return h("input", { ...common, type: "date", "data-initial": element.initial_date ?? "" });
    case "timepicker":
      return h("input", { ...common, type: "time", "data-initial": element.initial_time ?? "" });
    case "static_select":
    case "users_select":
    case "conversations_select": {
      const select = selectOf(element, surface, plain(element.placeholder) || "Select an item");
      for (const [key, value] of Object.entries(common)) {
        if (key === "className") select.classList.add(value);
        else if (value === true) select.setAttribute(key, "");
        else if (value) select.setAttribute(key, value);
      }
      return select;
    }
    case "external_select":
      return drawLoadedSelect(element, common, surface);
    case "radio_buttons":
    case "checkboxes": {
      const radio = element.type === "radio_buttons";
      const chosen = new Set(
        radio ? [element.initial_option?.value] : (element.initial_options || []).map((o) => o.value),
      );
      return h(
        "div",
        {
          id,
          role: radio ? "radiogroup" : "group",
          // ARIA has no required group of checkboxes; Rebound asks none, and Slack checks one on submit.
          "aria-required": radio && required ? "true" : null,
          "aria-labelledby": labelId,
          "aria-describedby": described,
          className: "bk-choices",
        },
        element.options.map((o) =>
          h(
            "label",
            { className: "bk-choice" },
            h("input", { type: radio ? "radio" : "checkbox", name, value: o.value, checked: chosen.has(o.value) }),
            h("span", {}, plain(o.text)),
          ),
        ),
      );
    }
    default:
      return h("span", { id, className: "bk-unknown" }, `(${element.type})`);
  }
}

// A select whose options the bot loads: as the person types (from min_query_length characters),
// the bot is asked over a block_suggestion and its options are listed under the field; the one
// picked is the one sent. The options last loaded stay on the field, for readState.
function drawLoadedSelect(element, common, surface) {
  const initial = element.initial_option;
  const list = h("datalist", { id: `${common.id}-options` });
  const field = h("input", {
    ...common,
    type: "text",
    list: list.id,
    autocomplete: "off",
    placeholder: plain(element.placeholder) || null,
    "data-initial": initial?.value ?? "",
  });
  field.loaded = initial ? [initial] : [];
  let asked = 0;
  field.addEventListener("input", async () => {
    const typed = field.value;
    if (typed.length < (element.min_query_length ?? 3)) return;
    const mine = ++asked;
    const said = await surface.suggest(element.action_id, typed);
    if (mine !== asked || !said.ok) return; // an older answer overtaken by a newer one
    field.loaded = said.options;
    list.replaceChildren(...said.options.map((o) => h("option", { value: o.value, label: plain(o.text) })));
  });
  return h("span", { className: "bk-loaded-select" }, field, list);
}

// Values typed in after drawing: `data-initial` is applied once, since an attribute would not
// survive the person editing it.
export function applyInitials(root) {
  for (const control of root.querySelectorAll("[data-initial]")) {
    control.value = control.dataset.initial;
    control.removeAttribute("data-initial");
  }
}

// What the person typed in a view's text inputs stays when the bot publishes the view again with
// the same block and action ids, as in Slack; and the box they were typing in keeps the focus.
// `before` is the view as drawn until now (or null), `after` the new one, not yet shown. Returns
// the control to focus once `after` is shown.
export function keepTyped(before, after) {
  if (!before) return null;
  let focus = null;
  for (const wrap of after.querySelectorAll('.bk-input[data-type="plain_text_input"]')) {
    const { blockId, actionId } = wrap.dataset;
    const old = [...before.querySelectorAll('.bk-input[data-type="plain_text_input"]')].find(
      (each) => each.dataset.blockId === blockId && each.dataset.actionId === actionId,
    );
    if (!old) continue;
    const [was, now] = [old.querySelector(".bk-control"), wrap.querySelector(".bk-control")];
    now.value = was.value;
    if (was === document.activeElement) focus = now;
  }
  return focus;
}

// The modal's state as Slack sends it, and the errors Slack's client shows before it sends
// anything (required fields, lengths, number bounds), keyed by block_id.
export function readState(root, view) {
  const values = {};
  const problems = {};
  const elements = Object.fromEntries(
    (view.blocks || []).filter((b) => b.type === "input").map((b) => [b.block_id, b.element]),
  );
  for (const wrap of root.querySelectorAll(".bk-input")) {
    const blockId = wrap.dataset.blockId;
    const element = elements[blockId];
    if (!element) continue;
    const { value, empty, problem } = read(wrap, element);
    values[blockId] = { [element.action_id]: value };
    if (empty && wrap.dataset.optional !== "true") problems[blockId] = "Please complete this required field.";
    else if (problem) problems[blockId] = problem;
  }
  return { values, problems };
}

function read(wrap, element) {
  const control = wrap.querySelector(".bk-control, .bk-choices");
  const type = element.type;
  const picked = (value) => {
    const o = (element.options || []).find((each) => each.value === value);
    return o ? option(o) : null;
  };
  switch (type) {
    case "plain_text_input": {
      const value = control.value;
      const problem =
        element.min_length && value && value.length < element.min_length
          ? `Please use at least ${element.min_length} characters.`
          : null;
      return { value: { type, value: value === "" ? null : value }, empty: value.trim() === "", problem };
    }
    case "number_input": {
      const value = control.value;
      const number = Number(value);
      let problem = null;
      if (value !== "" && (control.validity.badInput || Number.isNaN(number))) problem = "Please enter a number.";
      else if (value !== "" && !element.is_decimal_allowed && !Number.isInteger(number))
        problem = "Please enter a whole number.";
      else if (value !== "" && element.min_value !== undefined && number < Number(element.min_value))
        problem = `Please enter a number of at least ${element.min_value}.`;
      else if (value !== "" && element.max_value !== undefined && number > Number(element.max_value))
        problem = `Please enter a number no more than ${element.max_value}.`;
      return {
        value: { type, value: value === "" ? null : value },
        empty: value === "" && !control.validity.badInput,
        problem,
      };
    }
    case "datepicker":
      return { value: { type, selected_date: control.value || null }, empty: !control.value };
    case "timepicker":
      return { value: { type, selected_time: control.value || null }, empty: !control.value };
    case "static_select":
      return { value: { type, selected_option: picked(control.value) }, empty: !control.value };
    case "external_select": {
      const typed = control.value.trim();
      const o = control.loaded.find((each) => each.value === typed || plain(each.text) === typed);
      const problem = typed && !o ? "Please choose one of the options." : null;
      return { value: { type, selected_option: o ? option(o) : null }, empty: !typed, problem };
    }
    case "users_select":
      return { value: { type, selected_user: control.value || null }, empty: !control.value };
    case "conversations_select":
      return { value: { type, selected_conversation: control.value || null }, empty: !control.value };
    case "radio_buttons": {
      const on = control.querySelector("input:checked");
      return { value: { type, selected_option: on ? picked(on.value) : null }, empty: !on };
    }
    case "checkboxes": {
      const on = [...control.querySelectorAll("input:checked")].map((box) => picked(box.value));
      return { value: { type, selected_options: on }, empty: on.length === 0 };
    }
    default:
      return { value: { type }, empty: false };
  }
}

// Errors under their fields: Slack's own checks and the bot's response_action "errors" alike.
export function showErrors(root, errors) {
  let first = null;
  for (const wrap of root.querySelectorAll(".bk-input")) {
    const message = errors[wrap.dataset.blockId] || "";
    wrap.querySelector(".bk-error").textContent = message;
    wrap.classList.toggle("invalid", Boolean(message));
    if (message && !first) first = wrap;
  }
  first?.scrollIntoView({ block: "center" });
}
