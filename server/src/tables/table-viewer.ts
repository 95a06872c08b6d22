/**
 * Who is looking at a table, for deciding what of its events and state they may see.
 * One shape for every path that shows a table: live `ev` messages, resync replies and
 * snapshots, the HTTP events API and the staff feed.
 */
export interface TableViewer {
  /** The signed-in user, or null for the anonymous public. Private data is matched by this id. */
  userId: string | null;
  /**
   * A diner seated at this (dining) table, or staff of its branch (or an admin): may see
   * order ids, buyer ids and notes. Everyone else sees the dishes and quantities only.
   */
  diningInsider: boolean;
  /**
   * The first event seq whose order details an insider may see: 0 for staff and admins
   * (everything); for a diner, the seq of the `seat.taken` that seated them, so a diner
   * sees their own party's orders and notes, never those of parties who sat there before.
   * Unset means 0.
   */
  diningSince?: number;
}

/** Nobody in particular: public data only. */
export const PUBLIC_VIEWER: TableViewer = Object.freeze({ userId: null, diningInsider: false });

/** The staff feed (`table:` and `branch:` topics are for branch staff; `admin` for admins). */
export const STAFF_FEED_VIEWER: TableViewer = Object.freeze({ userId: null, diningInsider: true, diningSince: 0 });

/** Whether `viewer` may see the order details of the dining event numbered `seq`. */
export function diningInsiderAt(viewer: TableViewer, seq: number): boolean {
  return viewer.diningInsider && seq >= (viewer.diningSince ?? 0);
}

/**
 * A seated diner's `diningSince`: from the seq that seated them. A seat without one (a
 * snapshot older than the field, a binding stored before it) shows no earlier events.
 */
export function diningSinceOf(sinceSeq: number | undefined): number {
  return sinceSeq ?? Number.MAX_SAFE_INTEGER;
}

/** Where a user's staff grants come from (the feed's StaffPermissions). */
export interface BranchStaff {
  branchesOf(userId: string): Promise<string[]>;
}

/**
 * Whether a user is staff of the table's branch (admins always are): the same rule as the
 * feed's `table:` topic. A table without a branch has no staff but admins.
 */
export async function isTableStaff(
  table: { options: { branchId?: string } },
  user: { userId: string; roles: readonly string[] },
  staff: BranchStaff | undefined,
): Promise<boolean> {
  if (user.roles.includes("admin")) return true;
  const branchId = table.options.branchId;
  if (!branchId || !staff) return false;
  return (await staff.branchesOf(user.userId)).includes(branchId);
}
