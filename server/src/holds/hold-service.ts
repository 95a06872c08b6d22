import { ErrorCode, type CreateHoldBody, type CreateHoldResponse, type HoldView } from "@holdfast/shared";
import { AppError, isAppError } from "../errors.ts";
import type { Identity } from "../identity/session-service.ts";
import type { InventoryService } from "../inventory/inventory-service.ts";
import { skuOfHoldId, type HoldRecord, type HoldStore } from "./hold-store.ts";

/** What a gate lets through: the limit to reserve under, what to do once the hold is placed, and how to undo the pass if it fails. */
export interface HoldPass {
  perUserLimit: number;
  done(): Promise<void>;
  undo(): Promise<void>;
}

/**
 * Something that may stand in front of holds on a SKU: flash sales (sales/sale-service.ts)
 * require an admission for SKUs in a sale. Null from `beforeHold` = the SKU is not gated.
 */
export interface HoldGate {
  /** Throws SALE_NOT_OPEN, NOT_ADMITTED or HOLD_LIMIT; a pass when the hold may go ahead. */
  beforeHold(userId: string, body: CreateHoldBody): Promise<HoldPass | null>;
  /** Units of `sku` went back to the stock (a hold was released). */
  stockReturned(sku: string): void;
}

/** Holds over HTTP: place, read, release. Another user's hold is "not found", never "forbidden". */
export class HoldService {
  private gate: HoldGate | undefined;

  constructor(
    private readonly store: HoldStore,
    private readonly inventory: InventoryService,
    private readonly holdTtlSeconds: number,
  ) {}

  /** Puts a gate (flash-sale admission) in front of every hold placed from now on. */
  useGate(gate: HoldGate): void {
    this.gate = gate;
  }

  /**
   * Places a hold. With `options.holdId` (a stable id, e.g. derived from a room command's
   * `cid`) a repeat returns the hold already placed under that id instead of a second one.
   */
  async create(identity: Pick<Identity, "userId">, body: CreateHoldBody, options: { holdId?: string } = {}): Promise<CreateHoldResponse> {
    if (options.holdId) {
      const existing = await this.store.get(options.holdId);
      if (existing && existing.userId === identity.userId) return toCreated(existing);
    }
    const pass = this.gate ? await this.gate.beforeHold(identity.userId, body) : null;
    let hold: HoldRecord;
    try {
      hold = await this.inventory.withLoaded(body.sku, () =>
        this.store.reserve({
          sku: body.sku,
          userId: identity.userId,
          quantity: body.quantity,
          ttlSeconds: this.holdTtlSeconds,
          ...(pass ? { perUserLimit: pass.perUserLimit } : {}),
          ...(options.holdId ? { holdId: options.holdId } : {}),
        }),
      );
    } catch (err) {
      if (pass) await pass.undo();
      // Same stable id placed meanwhile by a concurrent repeat: answer with that hold.
      if (options.holdId && isAppError(err) && err.code === ErrorCode.CONFLICT) {
        const existing = await this.store.get(options.holdId);
        if (existing && existing.userId === identity.userId) return toCreated(existing);
      }
      throw err;
    }
    if (pass) await pass.done();
    return toCreated(hold);
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
    const result = await this.inventory.withLoaded(sku, () => this.store.release(holdId, identity.isAdmin ? null : identity.userId));
    if (result === "released") this.gate?.stockReturned(sku);
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
