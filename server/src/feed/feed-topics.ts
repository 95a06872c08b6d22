import { ErrorCode, Role } from "@holdfast/shared";
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { StaffPermissions } from "./staff-permissions.ts";

const id = "[A-Za-z0-9._:-]{1,80}";
export const FeedTopic = z
  .string()
  .regex(new RegExp(`^(admin|order:${id}|branch:${id}|table:${id})$`), "expected admin, order:ID, branch:ID or table:ID");

export const FeedJoinOptions = z.object({ topics: z.array(FeedTopic).min(1).max(50) }).strip();
export const FeedSubscribeCommand = z.object({ topics: z.array(FeedTopic).min(1).max(50) }).strict();

export interface FeedViewer {
  userId: string;
  roles: string[];
}

export interface TopicLookups {
  permissions: StaffPermissions;
  /** Owner of an order, or null when there is no such order. */
  orderOwner(orderId: string): Promise<string | null>;
  /** Branch of a table, or null/undefined when it has none (or does not exist). */
  tableBranch(tableId: string): Promise<string | null | undefined>;
}

/**
 * May `viewer` follow `topic`? Admins may follow everything; staff their branches and
 * those branches' tables; anyone their own orders. A refusal is FORBIDDEN (or NOT_FOUND
 * for someone else's order, so order ids do not leak).
 */
export async function authorizeTopic(viewer: FeedViewer, topic: string, lookups: TopicLookups): Promise<void> {
  if (viewer.roles.includes(Role.ADMIN)) return;
  const [kind, ...rest] = topic.split(":");
  const value = rest.join(":");
  switch (kind) {
    case "admin":
      throw new AppError(ErrorCode.FORBIDDEN, "the admin topic is for admins");
    case "order": {
      const owner = await lookups.orderOwner(value);
      if (owner !== viewer.userId) throw new AppError(ErrorCode.ORDER_NOT_FOUND, `order ${value} not found`);
      return;
    }
    case "branch": {
      const branches = await lookups.permissions.branchesOf(viewer.userId);
      if (!branches.includes(value)) throw new AppError(ErrorCode.FORBIDDEN, `you are not staff of branch ${value}`);
      return;
    }
    case "table": {
      const branch = await lookups.tableBranch(value);
      const branches = branch ? await lookups.permissions.branchesOf(viewer.userId) : [];
      if (!branch || !branches.includes(branch)) throw new AppError(ErrorCode.FORBIDDEN, `you are not staff of table ${value}'s branch`);
      return;
    }
    default:
      throw new AppError(ErrorCode.VALIDATION_FAILED, `unknown topic ${topic}`);
  }
}
