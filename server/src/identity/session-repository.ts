import type pg from "pg";

/** Every authenticated request that misses the caches runs this (`$1` session id). */
export const SESSION_LOOKUP_SQL = `SELECT s.session_id, s.user_id, u.name, u.roles, s.created_at, s.expires_at, s.revoked_at
  FROM sessions s JOIN users u USING (user_id) WHERE s.session_id = $1`;

export interface SessionRecord {
  sessionId: string;
  userId: string;
  name: string;
  roles: string[];
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

interface SessionRow {
  session_id: string;
  user_id: string;
  name: string;
  roles: string[];
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const toRecord = (r: SessionRow): SessionRecord => ({
  sessionId: r.session_id,
  userId: r.user_id,
  name: r.name,
  roles: r.roles,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/** Users and sessions in Postgres: the source of truth for identity. */
export class SessionRepository {
  constructor(private readonly pool: pg.Pool) {}

  async createUserWithSession(user: { userId: string; name: string; roles: string[] }, session: { sessionId: string; expiresAt: Date }): Promise<SessionRecord> {
    const { rows } = await this.pool.query<SessionRow>(
      `WITH u AS (
         INSERT INTO users (user_id, name, roles) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET name = EXCLUDED.name
         RETURNING user_id, name, roles
       ), s AS (
         INSERT INTO sessions (session_id, user_id, expires_at) SELECT $4, user_id, $5 FROM u
         RETURNING session_id, user_id, created_at, expires_at, revoked_at
       )
       SELECT s.session_id, s.user_id, u.name, u.roles, s.created_at, s.expires_at, s.revoked_at FROM s JOIN u USING (user_id)`,
      [user.userId, user.name, user.roles, session.sessionId, session.expiresAt],
    );
    return toRecord(rows[0]);
  }

  /**
   * Records a session minted offline (`npm run token`). Idempotent; never resurrects a
   * revoked session (the existing row wins).
   */
  async provisionSession(user: { userId: string; name: string; roles: string[] }, session: { sessionId: string; expiresAt: Date }): Promise<SessionRecord> {
    await this.pool.query(
      `WITH u AS (
         INSERT INTO users (user_id, name, roles) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET roles = EXCLUDED.roles
         RETURNING user_id
       )
       INSERT INTO sessions (session_id, user_id, expires_at) SELECT $4, user_id, $5 FROM u
       ON CONFLICT (session_id) DO NOTHING`,
      [user.userId, user.name, user.roles, session.sessionId, session.expiresAt],
    );
    const found = await this.findSession(session.sessionId);
    if (!found) throw new Error("provisioned session vanished");
    return found;
  }

  async findSession(sessionId: string): Promise<SessionRecord | null> {
    const { rows } = await this.pool.query<SessionRow>(SESSION_LOOKUP_SQL, [sessionId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Marks the session revoked; returns false when there was no live session with that id. */
  async revokeSession(sessionId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE sessions SET revoked_at = now() WHERE session_id = $1 AND revoked_at IS NULL",
      [sessionId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Revokes every live session of a user; returns the ids it revoked. */
  async revokeUserSessions(userId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ session_id: string }>(
      "UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING session_id",
      [userId],
    );
    return rows.map((r) => r.session_id);
  }
}
