/**
 * Browser signals that a reconnect attempt should happen now rather than when the
 * backoff says: the network came back (`online`), or a hidden tab became visible again
 * (mobile browsers freeze timers of background tabs, so a backoff may be long overdue).
 * Elsewhere (Node) there are no such signals and this does nothing.
 */
export function watchNetwork(onChance: () => void): () => void {
  const win = globalThis as unknown as {
    addEventListener?: (type: string, fn: () => void) => void;
    removeEventListener?: (type: string, fn: () => void) => void;
    document?: { visibilityState?: string; addEventListener(type: string, fn: () => void): void; removeEventListener(type: string, fn: () => void): void };
  };
  if (typeof win.addEventListener !== "function" || !win.document) return () => undefined;
  const doc = win.document;
  const onOnline = () => onChance();
  const onVisibility = () => {
    if (doc.visibilityState === "visible") onChance();
  };
  win.addEventListener("online", onOnline);
  doc.addEventListener("visibilitychange", onVisibility);
  return () => {
    win.removeEventListener?.("online", onOnline);
    doc.removeEventListener("visibilitychange", onVisibility);
  };
}
