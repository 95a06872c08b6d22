import type { Presence } from "@colyseus/core";

/**
 * Which sales an operator paused, in presence (Redis when there is one), so every node's
 * admitter sees a pause at its next step: the lease holder, whichever node that is, stops
 * admitting. A pause lives as long as the presence store does (a Redis that loses its
 * data resumes every sale).
 */
export class SalePauses {
  constructor(
    private readonly presence: Presence,
    private readonly key: string,
  ) {}

  async pause(saleId: string, at = Date.now()): Promise<void> {
    await this.presence.hset(this.key, saleId, String(at));
  }

  async resume(saleId: string): Promise<void> {
    await this.presence.hdel(this.key, saleId);
  }

  /** Epoch ms the sale was paused, or null when it is not. */
  async pausedAt(saleId: string): Promise<number | null> {
    const raw = await this.presence.hget(this.key, saleId);
    return raw ? Number(raw) : null;
  }

  async isPaused(saleId: string): Promise<boolean> {
    return (await this.pausedAt(saleId)) !== null;
  }

  /** Every paused sale with its pause time. */
  async all(): Promise<Map<string, number>> {
    const raw = (await this.presence.hgetall(this.key)) ?? {};
    return new Map(Object.entries(raw).map(([saleId, at]) => [saleId, Number(at)]));
  }
}
