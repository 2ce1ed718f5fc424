package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

const userColumns = `id, username, password_hash, role, disabled, created_at, updated_at`

func scanUser(row scanner) (User, error) {
	var (
		u                User
		role             string
		created, updated int64
	)
	if err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &role, &u.Disabled, &created, &updated); err != nil {
		return User{}, err
	}
	u.Role = Role(role)
	u.CreatedAt, u.UpdatedAt = fromMillis(created), fromMillis(updated)
	return u, nil
}

// CreateUser inserts u and returns it with its ID set. CreatedAt defaults to
// now and UpdatedAt to CreatedAt. It returns ErrConflict when the username
// is taken.
func (db *DB) CreateUser(ctx context.Context, u User) (User, error) {
	if u.Username == "" {
		return User{}, fmt.Errorf("store: create user: empty username")
	}
	if !u.Role.Valid() {
		return User{}, fmt.Errorf("store: create user %q: invalid role %q", u.Username, u.Role)
	}
	u.CreatedAt = nowIfZero(u.CreatedAt)
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	created, err := scanUser(db.queryRow(ctx,
		`INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at)
		 VALUES (?, ?, ?, ?, ?, ?) RETURNING `+userColumns,
		u.Username, u.PasswordHash, string(u.Role), u.Disabled, toMillis(u.CreatedAt), toMillis(u.UpdatedAt)))
	if err != nil {
		return User{}, wrapf(err, "create user %q", u.Username)
	}
	return created, nil
}

// GetUser returns the user with the given ID.
func (db *DB) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return User{}, wrapf(err, "get user %d", id)
	}
	return u, nil
}

// GetUserByName returns the user with the given username (case-sensitive).
func (db *DB) GetUserByName(ctx context.Context, username string) (User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	if err != nil {
		return User{}, wrapf(err, "get user %q", username)
	}
	return u, nil
}

// ListUsers returns all users ordered by username, byte-wise (sorted here so
// that the order does not depend on the database's collation).
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users`)
	if err != nil {
		return nil, wrapf(err, "list users")
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrapf(err, "list users")
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "list users")
	}
	slices.SortFunc(users, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
	return users, nil
}

// UpdateUser stores the role, password hash and disabled flag of the user
// with u.ID and returns the stored user. UpdatedAt is set to u.UpdatedAt, or
// now when zero. Username and CreatedAt are not changed.
func (db *DB) UpdateUser(ctx context.Context, u User) (User, error) {
	if !u.Role.Valid() {
		return User{}, fmt.Errorf("store: update user %d: invalid role %q", u.ID, u.Role)
	}
	updated, err := scanUser(db.queryRow(ctx,
		`UPDATE users SET role = ?, password_hash = ?, disabled = ?, updated_at = ?
		 WHERE id = ? RETURNING `+userColumns,
		string(u.Role), u.PasswordHash, u.Disabled, toMillis(nowIfZero(u.UpdatedAt)), u.ID))
	if err != nil {
		return User{}, wrapf(err, "update user %d", u.ID)
	}
	return updated, nil
}

// DeleteUser deletes the user and, in the same transaction, its sessions and
// API tokens. Audit entries that mention the user are kept.
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	err := db.inTx(ctx, func(t tx) error {
		if _, err := t.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, id); err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return rowsAffected(res)
	})
	if err != nil {
		return wrapf(err, "delete user %d", id)
	}
	return nil
}

// CountUsers counts the users with the given role, or all users when role
// is "".
func (db *DB) CountUsers(ctx context.Context, role Role) (int, error) {
	query, args := `SELECT COUNT(*) FROM users`, []any{}
	if role != "" {
		query, args = query+` WHERE role = ?`, append(args, string(role))
	}
	var n int
	if err := db.queryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, wrapf(err, "count users")
	}
	return n, nil
}
