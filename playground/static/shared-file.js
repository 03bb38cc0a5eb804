// A shared file as Slack's client draws it: an image inline, any other file as a card with its
// title, type and size, and a link that downloads it under its name.

import { h } from "./dom.js";

export function drawFile(file) {
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
