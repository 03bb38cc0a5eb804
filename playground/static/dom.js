// Finding and making the page's nodes. Everything shown is built as DOM nodes, never from HTML
// strings, so what the bot or a person wrote can only ever be text.

export const $ = (selector) => document.querySelector(selector);

// A node with its attributes (on* as listeners, className as the class) and its children, leaving
// out the empty ones so a view can write `condition ? node : null`.
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return node;
}
