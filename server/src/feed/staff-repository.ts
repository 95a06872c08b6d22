import type pg from "pg";

export interface BranchDto {
  branchId: string;
  name: string;
}

/** Branches and staff grants in Postgres (the source of truth for `branch:B` topics). */
export class StaffRepository {
  constructor(private readonly pool: pg.Pool) {}

  async upsertBranch(branch: BranchDto): Promise<BranchDto> {
    const { rows } = await this.pool.query<{ branch_id: string; name: string }>(
      `INSERT INTO branches (branch_id, name) VALUES ($1, $2)
       ON CONFLICT (branch_id) DO UPDATE SET name = EXCLUDED.name RETURNING branch_id, name`,
      [branch.branchId, branch.name],
    );
    return { branchId: rows[0].branch_id, name: rows[0].name };
  }

  async listBranches(): Promise<BranchDto[]> {
    const { rows } = await this.pool.query<{ branch_id: string; name: string }>("SELECT branch_id, name FROM branches ORDER BY branch_id");
    return rows.map((r) => ({ branchId: r.branch_id, name: r.name }));
  }

  async branchExists(branchId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM branches WHERE branch_id = $1", [branchId]);
    return (rowCount ?? 0) > 0;
  }

  /** Whether the user ever signed in (guests included): only known users can be granted a branch. */
  async userExists(userId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM users WHERE user_id = $1", [userId]);
    return (rowCount ?? 0) > 0;
  }

  async grant(userId: string, branchId: string): Promise<void> {
    await this.pool.query("INSERT INTO staff_grants (user_id, branch_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [userId, branchId]);
  }

  async revoke(userId: string, branchId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM staff_grants WHERE user_id = $1 AND branch_id = $2", [userId, branchId]);
    return (rowCount ?? 0) > 0;
  }

  async branchesOf(userId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ branch_id: string }>("SELECT branch_id FROM staff_grants WHERE user_id = $1 ORDER BY branch_id", [userId]);
    return rows.map((r) => r.branch_id);
  }

  async staffOf(branchId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ user_id: string }>("SELECT user_id FROM staff_grants WHERE branch_id = $1 ORDER BY user_id", [branchId]);
    return rows.map((r) => r.user_id);
  }
}
