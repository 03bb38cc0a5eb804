// Who the person at the page is: the playground has several people, and the page is one at a time.

import { $, h } from "./dom.js";
import { me, state, ui } from "./state.js";

export function drawPeople() {
  const select = $("#person");
  if (select.options.length !== state.people.length) {
    select.replaceChildren(...state.people.map((p) => h("option", { value: p.id }, p.name)));
  }
  select.value = ui.person;
  const person = me();
  $("#person-about").textContent = `${person.title} · ${person.tz.split("/").pop().replace("_", " ")}`;
  $("#team-name").textContent = state.team.name;
}
