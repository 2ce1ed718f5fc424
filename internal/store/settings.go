package store

import (
	"context"
	"time"
)

// GetSetting returns the value stored under key; ErrNotFound when unset.
func (db *DB) GetSetting(ctx context.Context, key string) (string, error) {
	var value string
	if err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value); err != nil {
		return "", wrapf(err, "get setting %q", key)
	}
	return value, nil
}

// PutSetting stores value under key, replacing any previous value.
func (db *DB) PutSetting(ctx context.Context, key, value string) error {
	_, err := db.exec(ctx,
		`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, time.Now().UnixMilli())
	if err != nil {
		return wrapf(err, "put setting %q", key)
	}
	return nil
}
