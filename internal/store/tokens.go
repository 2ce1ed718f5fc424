package store

import (
	"context"
	"errors"
	"time"
)

const tokenColumns = `id, user_id, name, prefix, hash, created_at, expires_at, last_used_at, revoked_at`

func scanToken(row scanner) (Token, error) {
	var (
		t                               Token
		created, expires, used, revoked int64
	)
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.Hash, &created, &expires, &used, &revoked); err != nil {
		return Token{}, err
	}
	t.CreatedAt, t.ExpiresAt = fromMillis(created), fromMillis(expires)
	t.LastUsedAt, t.RevokedAt = fromMillis(used), fromMillis(revoked)
	return t, nil
}

// CreateToken stores t and returns it with its ID set; CreatedAt defaults to
// now. It returns ErrConflict when the user already has a token of that name
// (or the hash exists) and ErrNotFound when the user does not exist.
func (db *DB) CreateToken(ctx context.Context, t Token) (Token, error) {
	if t.Name == "" || t.Hash == "" {
		return Token{}, errors.New("store: create token: name and hash are required")
	}
	t.CreatedAt = nowIfZero(t.CreatedAt)
	created, err := scanToken(db.queryRow(ctx,
		`INSERT INTO api_tokens (user_id, name, prefix, hash, created_at, expires_at, last_used_at, revoked_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+tokenColumns,
		t.UserID, t.Name, t.Prefix, t.Hash, toMillis(t.CreatedAt), toMillis(t.ExpiresAt),
		toMillis(t.LastUsedAt), toMillis(t.RevokedAt)))
	if err != nil {
		return Token{}, wrapf(err, "create token %q for user %d", t.Name, t.UserID)
	}
	return created, nil
}

// GetTokenByHash returns the token with the given hash, whether or not it is
// expired or revoked: the caller checks ExpiresAt and RevokedAt.
func (db *DB) GetTokenByHash(ctx context.Context, hash string) (Token, error) {
	t, err := scanToken(db.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ?`, hash))
	if err != nil {
		return Token{}, wrapf(err, "get token by hash")
	}
	return t, nil
}

// GetToken returns the token with the given ID.
func (db *DB) GetToken(ctx context.Context, id int64) (Token, error) {
	t, err := scanToken(db.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id))
	if err != nil {
		return Token{}, wrapf(err, "get token %d", id)
	}
	return t, nil
}

// ListTokens returns the tokens of a user, or of all users when userID is 0,
// newest first.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	query, args := `SELECT `+tokenColumns+` FROM api_tokens`, []any{}
	if userID != 0 {
		query, args = query+` WHERE user_id = ?`, append(args, userID)
	}
	rows, err := db.query(ctx, query+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, wrapf(err, "list tokens")
	}
	defer rows.Close()
	var tokens []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, wrapf(err, "list tokens")
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "list tokens")
	}
	return tokens, nil
}

// RevokeToken marks a token revoked at the given time (now when zero).
// Revoking a revoked token keeps the first revocation time.
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	res, err := db.exec(ctx,
		`UPDATE api_tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?`,
		toMillis(nowIfZero(at)), id)
	if err == nil {
		err = rowsAffected(res)
	}
	if err != nil {
		return wrapf(err, "revoke token %d", id)
	}
	return nil
}

// TouchToken records the last use of a token.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	res, err := db.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, toMillis(at), id)
	if err == nil {
		err = rowsAffected(res)
	}
	if err != nil {
		return wrapf(err, "touch token %d", id)
	}
	return nil
}
