/** Money in cents as the page shows it ("€9.90"). */
export function money(cents: number, currency = "EUR"): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

/** Seconds left until `deadlineMs` (never negative), rounded up. */
export function secondsLeft(deadlineMs: number, now: number): number {
  return Math.max(0, Math.ceil((deadlineMs - now) / 1000));
}

/** A countdown as "m:ss" (or "h:mm:ss" past an hour). */
export function countdown(deadlineMs: number, now: number): string {
  const total = secondsLeft(deadlineMs, now);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** "As" -> "A♠": a card's rank and suit symbol. */
export function cardLabel(card: string): string {
  const suits: Record<string, string> = { c: "♣", d: "♦", h: "♥", s: "♠" };
  const rank = card[0] === "T" ? "10" : card[0];
  return `${rank}${suits[card[1]] ?? card[1]}`;
}

export function isRedSuit(card: string): boolean {
  return card[1] === "h" || card[1] === "d";
}
