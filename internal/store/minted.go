package store

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

const mintedKeyColumns = `headscale_key_id, headscale_user, tags, reusable, ephemeral, expires_at, created_at, created_by, purpose`

func scanMintedKey(row scanner) (MintedKey, error) {
	var (
		k                MintedKey
		id, exp, created int64
		tags             string
	)
	err := row.Scan(&id, &k.HeadscaleUser, &tags, &k.Reusable, &k.Ephemeral, &exp, &created, &k.CreatedBy, &k.Purpose)
	if err != nil {
		return MintedKey{}, err
	}
	if err := json.Unmarshal([]byte(tags), &k.Tags); err != nil {
		return MintedKey{}, fmt.Errorf("decode tags: %w", err)
	}
	if len(k.Tags) == 0 {
		k.Tags = nil
	}
	k.HeadscaleKeyID = uint64(id)
	k.ExpiresAt, k.CreatedAt = fromMillis(exp), fromMillis(created)
	return k, nil
}

// RecordMintedKey stores k; CreatedAt defaults to now. It returns ErrConflict
// when the key ID was recorded before. Empty Tags read back as nil.
func (db *DB) RecordMintedKey(ctx context.Context, k MintedKey) error {
	tags, err := json.Marshal(k.Tags)
	if err != nil {
		return fmt.Errorf("store: record minted key %d: encode tags: %w", k.HeadscaleKeyID, err)
	}
	if k.Tags == nil {
		tags = []byte("[]")
	}
	_, err = db.exec(ctx,
		`INSERT INTO minted_keys (`+mintedKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		int64(k.HeadscaleKeyID), k.HeadscaleUser, string(tags), k.Reusable, k.Ephemeral,
		toMillis(k.ExpiresAt), toMillis(nowIfZero(k.CreatedAt)), k.CreatedBy, k.Purpose)
	if err != nil {
		return wrapf(err, "record minted key %d", k.HeadscaleKeyID)
	}
	return nil
}

// GetMintedKey returns the record of a minted key by its Headscale ID.
func (db *DB) GetMintedKey(ctx context.Context, headscaleKeyID uint64) (MintedKey, error) {
	k, err := scanMintedKey(db.queryRow(ctx,
		`SELECT `+mintedKeyColumns+` FROM minted_keys WHERE headscale_key_id = ?`, int64(headscaleKeyID)))
	if err != nil {
		return MintedKey{}, wrapf(err, "get minted key %d", headscaleKeyID)
	}
	return k, nil
}

// ListMintedKeys returns the minted keys whose purpose starts with prefix
// ("" for all), oldest first.
func (db *DB) ListMintedKeys(ctx context.Context, purposePrefix string) ([]MintedKey, error) {
	// substr, not LIKE: no escaping, and the same case rules in both engines.
	rows, err := db.query(ctx, `SELECT `+mintedKeyColumns+` FROM minted_keys WHERE substr(purpose, 1, ?) = ? ORDER BY created_at, headscale_key_id`,
		utf8.RuneCountInString(purposePrefix), purposePrefix)
	if err != nil {
		return nil, wrapf(err, "list minted keys")
	}
	defer rows.Close()
	var out []MintedKey
	for rows.Next() {
		k, err := scanMintedKey(rows)
		if err != nil {
			return nil, wrapf(err, "list minted keys")
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "list minted keys")
	}
	return out, nil
}
