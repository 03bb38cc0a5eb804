// Slack's mrkdwn drawn as DOM nodes. Every piece of text goes in through createTextNode, so
// whatever a rep typed (escaped by Rebound as &lt; &gt; &amp;) shows as characters and never runs.

const EMOJI = {
  tada: "🎉",
  wave: "👋",
  white_check_mark: "✅",
  warning: "⚠️",
  pray: "🙏",
  heart: "❤️",
  "+1": "👍",
  thumbsup: "👍",
  smile: "😄",
  slightly_smiling_face: "🙂",
  raised_hands: "🙌",
  rocket: "🚀",
  sparkles: "✨",
  eyes: "👀",
  bulb: "💡",
  memo: "📝",
  muscle: "💪",
  star: "⭐",
  x: "❌",
  heavy_check_mark: "✔️",
  calendar: "📆",
  handshake: "🤝",
  thinking_face: "🤔",
};

// Only these three entities exist in Slack's markup; one pass, so "&amp;lt;" shows "&lt;".
export function decode(text) {
  return text.replace(/&(amp|lt|gt);/g, (_, name) => ({ amp: "&", lt: "<", gt: ">" })[name]);
}

export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (code, name) => (Object.hasOwn(EMOJI, name) ? EMOJI[name] : code));
}

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

// Bold, italic and strike open after a non-word character and close before one, as in Slack:
// "check_listened" or "2*3*4" stay as they are.
const INLINE = new RegExp(
  [
    "`([^`\\n]+)`", // 1 code
    "<([^<>\\n]+)>", // 2 a link, mention or special
    "(?<![\\w*])\\*(?!\\s)([^*\\n]+?)(?<!\\s)\\*(?![\\w*])", // 3 bold
    "(?<![\\w_])_(?!\\s)([^_\\n]+?)(?<!\\s)_(?![\\w_])", // 4 italic
    "(?<![\\w~])~(?!\\s)([^~\\n]+?)(?<!\\s)~(?![\\w~])", // 5 strike
    ":([a-z0-9_+-]+):", // 6 emoji
  ].join("|"),
  "g",
);

function inline(text, names, parent) {
  let at = 0;
  INLINE.lastIndex = 0;
  for (let m = INLINE.exec(text); m; m = INLINE.exec(text)) {
    if (m[6] !== undefined && !Object.hasOwn(EMOJI, m[6])) {
      INLINE.lastIndex = m.index + m[0].length - 1; // the closing colon may open the next one
      continue;
    }
    parent.append(document.createTextNode(decode(text.slice(at, m.index))));
    const end = INLINE.lastIndex;
    if (m[1] !== undefined) parent.append(el("code", "", decode(m[1])));
    else if (m[2] !== undefined) parent.append(angle(m[2], names));
    else if (m[6] !== undefined) parent.append(EMOJI[m[6]]);
    else {
      const tag = m[3] !== undefined ? "b" : m[4] !== undefined ? "i" : "s";
      const node = el(tag);
      inline(m[3] ?? m[4] ?? m[5], names, node);
      parent.append(node);
    }
    at = INLINE.lastIndex = end;
  }
  parent.append(document.createTextNode(decode(text.slice(at))));
}

// <@U1>, <#C1|name>, <!here>, <url|label>: only markup the bot wrote reaches here, since
// Rebound escapes every < a rep types.
function angle(inner, names) {
  const [target, label] = inner.split(/\|(.*)/s);
  if (target.startsWith("@")) {
    const name = names.users.get(target.slice(1)) ?? label ?? target.slice(1);
    return el("span", "mention", `@${decode(name)}`);
  }
  if (target.startsWith("#")) {
    const name = names.channels.get(target.slice(1)) ?? label ?? target.slice(1);
    return el("span", "mention", `#${decode(name)}`);
  }
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    if (["here", "channel", "everyone"].includes(word)) return el("span", "mention", `@${word}`);
    return document.createTextNode(decode(label ?? target));
  }
  const href = decode(target);
  if (!/^(https?:|mailto:)/i.test(href)) return document.createTextNode(decode(label ?? target));
  const link = el("a", "", decode(label ?? target));
  link.href = href;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  return link;
}

// Lines: ``` fences become <pre>, runs of lines starting with ">" a <blockquote>.
export function mrkdwn(text, names) {
  const out = el("div", "mrkdwn");
  const parts = String(text ?? "").split(/```([\s\S]*?)```/);
  for (let [index, part] of parts.entries()) {
    if (index % 2) {
      out.append(el("pre", "", decode(part.replace(/^\n|\n$/g, ""))));
      continue;
    }
    // The line break next to a fence belongs to the fence.
    if (index > 0) part = part.replace(/^\n/, "");
    if (index < parts.length - 1) part = part.replace(/\n$/, "");
    if (part === "" && parts.length > 1) continue;
    let block = null;
    let inQuote = false;
    for (const line of part.split("\n")) {
      const quoted = line.startsWith(">");
      if (!block || inQuote !== quoted) {
        block = el(quoted ? "blockquote" : "p");
        out.append(block);
      } else block.append(el("br"));
      inQuote = quoted;
      inline(quoted ? line.slice(1).replace(/^ /, "") : line, names, block);
    }
  }
  return out;
}
