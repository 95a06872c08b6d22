-- 0001_identity: users and login sessions.
-- Sessions are the source of truth for "is this access token still good": a JWT whose
-- session row is revoked or expired is refused even while its signature is valid.
CREATE TABLE users (
  user_id    text PRIMARY KEY,
  name       text NOT NULL,
  roles      text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  session_id text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (user_id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);
