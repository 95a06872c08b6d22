/**
 * Tabs of one browser telling each other about seats (BroadcastChannel, same origin).
 *
 * When a tab takes a seat over (a refresh, a second tab), the server closes the older
 * tab's socket with 4409. A tab that was offline or asleep never hears that close, and
 * would reclaim the seat when it wakes: two tabs taking the seat from each other. So a
 * tab that takes a seat announces it, and every other tab playing that seat stops (its
 * status becomes `replaced`); a tab closed with 4409 announces that too.
 */
export interface TabNotice {
  kind: "seat-claimed" | "replaced";
  tableId: string;
  userId: string;
  /** The tab that sent it (random per connection). */
  from: string;
}

interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  unref?: () => void;
}

const CHANNEL = "holdfast:tabs";

export class TabSync {
  readonly tabId = globalThis.crypto.randomUUID();
  private channel: ChannelLike | null = null;

  /** `enabled`: default on in browsers (where BroadcastChannel and a document exist). */
  constructor(enabled: boolean | undefined, onNotice: (notice: TabNotice) => void) {
    const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
    const inBrowser = typeof (globalThis as { document?: unknown }).document !== "undefined";
    if (!Channel || !(enabled ?? inBrowser)) return;
    this.channel = new Channel(CHANNEL);
    this.channel.unref?.(); // Node: never keep a process alive for this
    this.channel.onmessage = (event) => {
      const notice = event.data as TabNotice | null;
      if (notice && typeof notice === "object" && notice.from !== this.tabId) onNotice(notice);
    };
  }

  announce(kind: TabNotice["kind"], tableId: string, userId: string): void {
    this.channel?.postMessage({ kind, tableId, userId, from: this.tabId } satisfies TabNotice);
  }

  close(): void {
    this.channel?.close();
    this.channel = null;
  }
}
