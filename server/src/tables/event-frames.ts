import { getMessageBytes, Protocol, type Client } from "@colyseus/core";
import { TableMessage, type TableEvent, type TableKind } from "@holdfast/shared";
import { eventView, eventViewShape } from "./event-views.ts";
import type { LoggedEvent } from "./table-event-log.ts";
import type { TableViewer } from "./table-viewer.ts";

/** What the frames need to know of a receiving client. */
export interface FrameReader {
  viewer: TableViewer;
  /** Reads `evs` (several events in one message); otherwise each event goes as its own `ev`. */
  batched: boolean;
}

/** Events published together, and the clients connected when they were. */
interface Published {
  events: readonly LoggedEvent[];
  recipients: ReadonlySet<Client>;
}

/**
 * A table's events on their way to clients. The room queues what it publishes and
 * flushes once per patch tick (and before any command reply, so a reply never overtakes
 * its events): each client then gets ONE frame with everything queued for it. Frames
 * are encoded once per audience: clients whose views of the queued events are equal
 * (every spectator, every diner of the same events...) share one encoded buffer; only
 * a viewer whose view differs (the owner of hole cards) gets one of its own.
 *
 * Only clients connected when events were published receive them: a client that joins
 * later gets the state as of its join, which already holds them.
 */
export class EventFrames {
  private pending: Published[] = [];

  constructor(private readonly kind: TableKind) {}

  /** Queues `events` for the clients connected now. */
  add(events: readonly LoggedEvent[], clients: readonly Client[]): void {
    if (events.length === 0 || clients.length === 0) return;
    this.pending.push({ events, recipients: new Set(clients) });
  }

  /** Sends everything queued: one frame (or, to clients without `evs`, one frame per event) per client. */
  flush(clients: readonly Client[], readerOf: (sessionId: string) => FrameReader): void {
    if (this.pending.length === 0) return;
    const published = this.pending;
    this.pending = [];
    const encoded = new Map<string, Buffer[]>();
    for (const client of clients) {
      const reader = readerOf(client.sessionId);
      const key = this.audienceKey(published, client, reader);
      let frames = encoded.get(key);
      if (!frames) {
        frames = this.encode(published, client, reader);
        encoded.set(key, frames);
      }
      for (const frame of frames) client.enqueueRaw(frame);
    }
  }

  /**
   * Which queued events reach the client and how it sees each: clients with equal keys
   * get byte-equal frames. One character per event: its view shape, or `-` when the
   * client was not connected when it was published.
   */
  private audienceKey(published: readonly Published[], client: Client, reader: FrameReader): string {
    let key = reader.batched ? "b" : "s";
    for (const { events, recipients } of published) {
      const receives = recipients.has(client);
      for (const event of events) key += receives ? eventViewShape(this.kind, event, reader.viewer) : "-";
    }
    return key;
  }

  private encode(published: readonly Published[], client: Client, reader: FrameReader): Buffer[] {
    const views: TableEvent[] = [];
    for (const { events, recipients } of published) {
      if (!recipients.has(client)) continue;
      for (const event of events) views.push(eventView(this.kind, event, reader.viewer));
    }
    if (views.length === 0) return [];
    if (reader.batched && views.length > 1) return [getMessageBytes.raw(Protocol.ROOM_DATA, TableMessage.EVENTS, views)];
    return views.map((view) => getMessageBytes.raw(Protocol.ROOM_DATA, TableMessage.EVENT, view));
  }

  /** Nothing is waiting to be sent. */
  get empty(): boolean {
    return this.pending.length === 0;
  }
}
