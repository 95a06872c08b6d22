import { ErrorCode, type CreateHoldBody, type CreateHoldResponse, type HoldView } from "@holdfast/shared";
import { AppError, isAppError } from "../errors.ts";
import type { Identity } from "../identity/session-service.ts";
import { HoldChannel, HoldGate, type HoldPass } from "./hold-gate.ts";
import { skuOfHoldId, type CartLineInput, type HoldRecord, type HoldStore } from "./hold-store.ts";

/** A dining cart line to set, with who sets it and where (see HoldService.setCartLine). */
export interface CartLineRequest extends Omit<CartLineInput, "ttlSeconds" | "perUserLimit"> {
  /** The line's quantity before this change, as the table knows it. */
  previousQuantity: number;
  /** The table's branch (its menu), null when it has none. */
  branchId: string | null;
}

/**
 * Holds: place (HTTP, its fast path, the sale room), set dining cart lines, read,
 * release. Every hold passes the one HoldGate (hold-gate.ts) first. Another user's hold
 * is "not found", never "forbidden".
 */
export class HoldService {
  constructor(
    /** A store that loads missing counters itself (LoadingHoldStore). */
    private readonly store: HoldStore,
    private readonly holdTtlSeconds: number,
    readonly gate: HoldGate,
  ) {}

  /**
   * Places a hold. With `options.holdId` (a stable id, e.g. derived from a room command's
   * `cid`) a repeat returns the hold already placed under that id instead of a second one.
   */
  async create(
    identity: Pick<Identity, "userId">,
    body: CreateHoldBody,
    options: { holdId?: string; channel?: HoldChannel } = {},
  ): Promise<CreateHoldResponse> {
    if (options.holdId) {
      const existing = await this.store.get(options.holdId);
      if (existing && existing.userId === identity.userId) return toCreated(existing);
    }
    const pass = await this.gate.admit({ ...body, channel: options.channel ?? HoldChannel.HTTP, buyerId: identity.userId });
    let hold: HoldRecord;
    try {
      hold = await this.store.reserve({
        sku: body.sku,
        userId: identity.userId,
        quantity: body.quantity,
        ttlSeconds: this.holdTtlSeconds,
        ...(pass.perUserLimit !== undefined ? { perUserLimit: pass.perUserLimit } : {}),
        ...(options.holdId ? { holdId: options.holdId } : {}),
      });
    } catch (err) {
      await pass.undo();
      // Same stable id placed meanwhile by a concurrent repeat: answer with that hold.
      if (options.holdId && isAppError(err) && err.code === ErrorCode.CONFLICT) {
        const existing = await this.store.get(options.holdId);
        if (existing && existing.userId === identity.userId) return toCreated(existing);
      }
      throw err;
    }
    await pass.done();
    return toCreated(hold);
  }

  /**
   * Sets a dining cart line (held under the cart's owner id, counted against the diner
   * who raised it). Only an increase passes the gate: lowering or removing a line is
   * always allowed, also after its dish left the menu. Null when the line is now empty.
   */
  async setCartLine(line: CartLineRequest): Promise<HoldRecord | null> {
    const added = line.quantity - line.previousQuantity;
    const pass: HoldPass | null =
      added > 0 ? await this.gate.admit({ channel: HoldChannel.DINING, buyerId: line.buyerId, sku: line.sku, quantity: added, branchId: line.branchId }) : null;
    const { previousQuantity: _p, branchId: _b, ...input } = line;
    let hold: HoldRecord | null;
    try {
      hold = await this.store.setQuantity({
        ...input,
        ttlSeconds: this.holdTtlSeconds,
        ...(pass?.perUserLimit !== undefined ? { perUserLimit: pass.perUserLimit } : {}),
      });
    } catch (err) {
      await pass?.undo();
      throw err;
    }
    await pass?.done();
    if (added < 0) this.gate.stockReturned(line.sku);
    return hold;
  }

  /** Releases holds of any owner (a dining cart closed or abandoned); unknown ones are skipped. */
  async releaseAny(holdIds: string[]): Promise<void> {
    for (const holdId of holdIds) {
      const sku = skuOfHoldId(holdId);
      if (!sku) continue;
      const result = await this.store.release(holdId, null).catch(() => "unchanged" as const);
      if (result === "released") this.gate.stockReturned(sku);
    }
  }

  async get(identity: Identity, holdId: string): Promise<HoldView> {
    const hold = await this.store.get(holdId);
    if (!hold || (hold.userId !== identity.userId && !identity.isAdmin)) {
      throw new AppError(ErrorCode.HOLD_NOT_FOUND, `hold ${holdId} not found`);
    }
    return toView(hold);
  }

  /** Idempotent: releasing a released or expired hold is fine. */
  async release(identity: Identity, holdId: string): Promise<void> {
    const sku = skuOfHoldId(holdId)!;
    const result = await this.store.release(holdId, identity.isAdmin ? null : identity.userId);
    if (result === "released") this.gate.stockReturned(sku);
  }
}

function toCreated(h: HoldRecord): CreateHoldResponse {
  return { holdId: h.holdId, sku: h.sku, quantity: h.quantity, expiresAt: new Date(h.expiresAt).toISOString() };
}

export function toView(h: HoldRecord): HoldView {
  return {
    holdId: h.holdId,
    sku: h.sku,
    quantity: h.quantity,
    status: h.status,
    userId: h.userId,
    expiresAt: new Date(h.expiresAt).toISOString(),
    createdAt: new Date(h.createdAt).toISOString(),
  };
}
