package store

import (
	"context"
	"errors"
	"time"
)

const sessionColumns = `id_hash, user_id, created_at, expires_at, last_seen, source_ip, user_agent`

func scanSession(row scanner) (Session, error) {
	var (
		s                         Session
		created, expires, lastSee int64
	)
	if err := row.Scan(&s.IDHash, &s.UserID, &created, &expires, &lastSee, &s.SourceIP, &s.UserAgent); err != nil {
		return Session{}, err
	}
	s.CreatedAt, s.ExpiresAt, s.LastSeen = fromMillis(created), fromMillis(expires), fromMillis(lastSee)
	return s, nil
}

// CreateSession stores s. CreatedAt defaults to now and LastSeen to
// CreatedAt; ExpiresAt is required. It returns ErrConflict when the ID hash
// exists and ErrNotFound when the user does not.
func (db *DB) CreateSession(ctx context.Context, s Session) error {
	if s.IDHash == "" || s.ExpiresAt.IsZero() {
		return errors.New("store: create session: ID hash and expiry are required")
	}
	s.CreatedAt = nowIfZero(s.CreatedAt)
	if s.LastSeen.IsZero() {
		s.LastSeen = s.CreatedAt
	}
	_, err := db.exec(ctx,
		`INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.IDHash, s.UserID, toMillis(s.CreatedAt), toMillis(s.ExpiresAt), toMillis(s.LastSeen), s.SourceIP, s.UserAgent)
	if err != nil {
		return wrapf(err, "create session for user %d", s.UserID)
	}
	return nil
}

// GetSession returns the session with the given ID hash unless it has
// expired.
func (db *DB) GetSession(ctx context.Context, idHash string) (Session, error) {
	s, err := scanSession(db.queryRow(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE id_hash = ? AND expires_at > ?`,
		idHash, time.Now().UnixMilli()))
	if err != nil {
		return Session{}, wrapf(err, "get session")
	}
	return s, nil
}

// TouchSession records activity on a session that has not expired yet and
// moves its expiry. An expired session cannot be revived: ErrNotFound.
func (db *DB) TouchSession(ctx context.Context, idHash string, lastSeen, expiresAt time.Time) error {
	res, err := db.exec(ctx,
		`UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id_hash = ? AND expires_at > ?`,
		toMillis(lastSeen), toMillis(expiresAt), idHash, time.Now().UnixMilli())
	if err == nil {
		err = rowsAffected(res)
	}
	if err != nil {
		return wrapf(err, "touch session")
	}
	return nil
}

// DeleteSession deletes one session; ErrNotFound when there is none (callers
// logging out may ignore that).
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	res, err := db.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	if err == nil {
		err = rowsAffected(res)
	}
	if err != nil {
		return wrapf(err, "delete session")
	}
	return nil
}

// DeleteUserSessions deletes all sessions of a user, if any.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := db.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return wrapf(err, "delete sessions of user %d", userID)
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions that expired at or before now
// and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := db.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, toMillis(now))
	if err != nil {
		return 0, wrapf(err, "delete expired sessions")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrapf(err, "delete expired sessions")
	}
	return int(n), nil
}
