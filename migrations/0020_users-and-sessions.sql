-- Up Migration

-- People who sign in to the web console. A user belongs to one (live) account; an email names one
-- user across all accounts, so signing in needs no account id. password_hash is null until the
-- person follows their one-time link (scrypt, see src/modules/users/password-hash.ts).
CREATE TABLE users (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  email text NOT NULL,
  role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_account_idx ON users (account_id, created_at);

-- A signed-in browser. Only the SHA-256 of the cookie's token is kept, so a copy of this table
-- signs no one in; the CSRF token is the session's own, sent back in every form.
CREATE TABLE user_sessions (
  token_hash bytea PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

-- One-time links that set a password (a new user's first, or an invitation). Hash only, as above.
CREATE TABLE user_password_links (
  token_hash bytea PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX user_password_links_user_idx ON user_password_links (user_id);

-- Down Migration
DROP TABLE user_password_links;
DROP TABLE user_sessions;
DROP TABLE users;
