// Times as a person sees them: in their own zone, since the playground's people live in several.

// With the date, since the playground's clock can jump days ahead.
export function when(iso, tz, options = {}) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: tz,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    ...options,
  }).format(new Date(iso));
}

// The wall-clock fields of an instant in a zone, for <input type="datetime-local">, and back.
export function localFields(iso, tz) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

export function instantOf(fields, tz) {
  const asUtc = Date.parse(`${fields}:00Z`);
  const offset = Date.parse(`${localFields(new Date(asUtc).toISOString(), tz)}:00Z`) - asUtc;
  return new Date(asUtc - offset).toISOString();
}
