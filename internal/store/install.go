package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrGone means a one-time thing was used already or has expired.
var ErrGone = errors.New("used or expired")

// InstallLink is a one-time link to an install script.
type InstallLink struct {
	TokenHash   string // hex SHA-256 of the link's token
	SealedKey   string // the pre-auth key, sealed
	LoginServer string
	Hostname    string
	VMKey       int64 // the inventory VM it enrolls, 0 for none
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      time.Time
	CreatedBy   string
}

const installColumns = `token_hash, sealed_key, login_server, hostname, vm_key, created_at, expires_at, used_at, created_by`

func scanInstall(row scanner) (InstallLink, error) {
	var (
		l                  InstallLink
		created, exp, used int64
	)
	if err := row.Scan(&l.TokenHash, &l.SealedKey, &l.LoginServer, &l.Hostname, &l.VMKey, &created, &exp, &used, &l.CreatedBy); err != nil {
		return InstallLink{}, err
	}
	l.CreatedAt, l.ExpiresAt, l.UsedAt = fromMillis(created), fromMillis(exp), fromMillis(used)
	return l, nil
}

// CreateInstallLink stores a new link.
func (db *DB) CreateInstallLink(ctx context.Context, l InstallLink) error {
	_, err := db.exec(ctx, `INSERT INTO install_links (`+installColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`,
		l.TokenHash, l.SealedKey, l.LoginServer, l.Hostname, l.VMKey, toMillis(nowIfZero(l.CreatedAt)), toMillis(l.ExpiresAt), l.CreatedBy)
	if err != nil {
		return wrapf(err, "create install link")
	}
	return nil
}

// UseInstallLink marks a link used and returns it; a second use, or a use
// after it expired, is ErrGone; an unknown link ErrNotFound. Two concurrent
// uses: exactly one wins.
func (db *DB) UseInstallLink(ctx context.Context, tokenHash string, now time.Time) (InstallLink, error) {
	l, err := scanInstall(db.queryRow(ctx,
		`UPDATE install_links SET used_at = ? WHERE token_hash = ? AND used_at = 0 AND expires_at > ? RETURNING `+installColumns,
		toMillis(now), tokenHash, toMillis(now)))
	if err == nil {
		return l, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return InstallLink{}, wrapf(err, "use install link")
	}
	var exists int
	if err := db.queryRow(ctx, `SELECT 1 FROM install_links WHERE token_hash = ?`, tokenHash).Scan(&exists); err != nil {
		return InstallLink{}, wrapf(err, "use install link")
	}
	return InstallLink{}, fmt.Errorf("store: install link: %w", ErrGone)
}
