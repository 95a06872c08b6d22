import type { RedisClient as Redis } from "../redis/redis-client.ts";
import type { RedisKeys } from "../redis/keys.ts";

/**
 * Who holds which seat, outside the room's memory, with a TTL that heartbeats extend.
 * The room is authoritative while it lives; the binding lets another node (or a room
 * restored after a crash) tell a current seat token from a stale one.
 */
export interface SeatBinding {
  userId: string;
  tokenId: string;
  /** Seq of the `seat.taken` behind this binding (what the events API shows a diner starts there). */
  sinceSeq?: number;
}

export interface SeatBindingStore {
  bind(tableId: string, seat: number, binding: SeatBinding, ttlSeconds: number): Promise<void>;
  get(tableId: string, seat: number): Promise<SeatBinding | null>;
  /** Extends the TTL if `tokenId` is still the binding; false otherwise. */
  extend(tableId: string, seat: number, tokenId: string, ttlSeconds: number): Promise<boolean>;
  release(tableId: string, seat: number): Promise<void>;
}

export class MemorySeatBindingStore implements SeatBindingStore {
  private readonly bindings = new Map<string, { binding: SeatBinding; until: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  private key(tableId: string, seat: number) {
    return `${tableId}#${seat}`;
  }

  async bind(tableId: string, seat: number, binding: SeatBinding, ttlSeconds: number): Promise<void> {
    this.bindings.set(this.key(tableId, seat), { binding: { ...binding }, until: this.now() + ttlSeconds * 1000 });
  }

  async get(tableId: string, seat: number): Promise<SeatBinding | null> {
    const entry = this.bindings.get(this.key(tableId, seat));
    if (!entry || entry.until <= this.now()) return null;
    return { ...entry.binding };
  }

  async extend(tableId: string, seat: number, tokenId: string, ttlSeconds: number): Promise<boolean> {
    const entry = this.bindings.get(this.key(tableId, seat));
    if (!entry || entry.until <= this.now() || entry.binding.tokenId !== tokenId) return false;
    entry.until = this.now() + ttlSeconds * 1000;
    return true;
  }

  async release(tableId: string, seat: number): Promise<void> {
    this.bindings.delete(this.key(tableId, seat));
  }
}

/** Compare-and-extend in one step so a stale token can never extend a new binding. */
const EXTEND_IF_CURRENT = `
-- KEYS[1] seat binding key; ARGV[1] token id; ARGV[2] ttl ms
-- returns 1 when extended, 0 when the binding is gone or holds another token
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, binding = pcall(cjson.decode, raw)
if not ok or binding.tokenId ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

export class RedisSeatBindingStore implements SeatBindingStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async bind(tableId: string, seat: number, binding: SeatBinding, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.seatBinding(tableId, seat), JSON.stringify(binding), "EX", ttlSeconds);
  }

  async get(tableId: string, seat: number): Promise<SeatBinding | null> {
    const raw = await this.redis.get(this.keys.seatBinding(tableId, seat));
    return raw ? (JSON.parse(raw) as SeatBinding) : null;
  }

  async extend(tableId: string, seat: number, tokenId: string, ttlSeconds: number): Promise<boolean> {
    const result = await this.redis.eval(EXTEND_IF_CURRENT, 1, this.keys.seatBinding(tableId, seat), tokenId, ttlSeconds * 1000);
    return result === 1;
  }

  async release(tableId: string, seat: number): Promise<void> {
    await this.redis.del(this.keys.seatBinding(tableId, seat));
  }
}
