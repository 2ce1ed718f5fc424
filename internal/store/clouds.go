package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CloudAccount is one connected cloud account. Secrets is sealed by the
// caller; the store never sees a plaintext secret.
type CloudAccount struct {
	ID          int64
	Name        string
	Kind        string   // provider kind: aws, gcp, azure, lxd, proxmox
	Config      string   // JSON without secret fields
	Secrets     string   // sealed JSON of the secret fields; "" when none
	SecretNames []string // the fields in Secrets, readable without the key
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   string
}

// SealFunc seals an account's secrets once its ID is known.
type SealFunc func(id int64) (string, error)

const cloudColumns = `id, name, kind, config, secrets, secret_names, created_at, updated_at, created_by`

func scanCloud(row scanner) (CloudAccount, error) {
	var (
		a                CloudAccount
		names            string
		created, updated int64
	)
	if err := row.Scan(&a.ID, &a.Name, &a.Kind, &a.Config, &a.Secrets, &names, &created, &updated, &a.CreatedBy); err != nil {
		return CloudAccount{}, err
	}
	if err := json.Unmarshal([]byte(names), &a.SecretNames); err != nil {
		return CloudAccount{}, fmt.Errorf("decode secret names: %w", err)
	}
	a.CreatedAt, a.UpdatedAt = fromMillis(created), fromMillis(updated)
	return a, nil
}

// CreateCloudAccount inserts a (its Secrets field is ignored) and, in the
// same transaction, stores what seal returns for the new ID, so a failure
// leaves nothing behind. ErrConflict when the name is taken.
func (db *DB) CreateCloudAccount(ctx context.Context, a CloudAccount, seal SealFunc) (CloudAccount, error) {
	if a.Name == "" || a.Kind == "" {
		return CloudAccount{}, fmt.Errorf("store: create cloud account: empty name or kind")
	}
	a.CreatedAt = nowIfZero(a.CreatedAt)
	a.UpdatedAt = a.CreatedAt
	var out CloudAccount
	err := db.inTx(ctx, func(t tx) error {
		created, err := scanCloud(t.queryRow(ctx,
			`INSERT INTO cloud_accounts (name, kind, config, secrets, secret_names, created_at, updated_at, created_by)
			 VALUES (?, ?, ?, '', ?, ?, ?, ?) RETURNING `+cloudColumns,
			a.Name, a.Kind, a.Config, names(a.SecretNames), toMillis(a.CreatedAt), toMillis(a.UpdatedAt), a.CreatedBy))
		if err != nil {
			return err
		}
		sealed, err := seal(created.ID)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE cloud_accounts SET secrets = ? WHERE id = ?`, sealed, created.ID); err != nil {
			return err
		}
		created.Secrets = sealed
		out = created
		return nil
	})
	if err != nil {
		return CloudAccount{}, wrapf(err, "create cloud account %q", a.Name)
	}
	return out, nil
}

// GetCloudAccount returns one account.
func (db *DB) GetCloudAccount(ctx context.Context, id int64) (CloudAccount, error) {
	a, err := scanCloud(db.queryRow(ctx, `SELECT `+cloudColumns+` FROM cloud_accounts WHERE id = ?`, id))
	if err != nil {
		return CloudAccount{}, wrapf(err, "get cloud account %d", id)
	}
	return a, nil
}

// ListCloudAccounts returns every account ordered by name.
func (db *DB) ListCloudAccounts(ctx context.Context) ([]CloudAccount, error) {
	rows, err := db.query(ctx, `SELECT `+cloudColumns+` FROM cloud_accounts`)
	if err != nil {
		return nil, wrapf(err, "list cloud accounts")
	}
	defer rows.Close()
	var out []CloudAccount
	for rows.Next() {
		a, err := scanCloud(rows)
		if err != nil {
			return nil, wrapf(err, "list cloud accounts")
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "list cloud accounts")
	}
	slices.SortFunc(out, func(a, b CloudAccount) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// UpdateCloudAccount replaces an account's name, config and secrets (kind
// and creation are kept) and returns it. ErrNotFound, ErrConflict on a
// taken name.
func (db *DB) UpdateCloudAccount(ctx context.Context, a CloudAccount) (CloudAccount, error) {
	a.UpdatedAt = nowIfZero(a.UpdatedAt)
	out, err := scanCloud(db.queryRow(ctx,
		`UPDATE cloud_accounts SET name = ?, config = ?, secrets = ?, secret_names = ?, updated_at = ? WHERE id = ? RETURNING `+cloudColumns,
		a.Name, a.Config, a.Secrets, names(a.SecretNames), toMillis(a.UpdatedAt), a.ID))
	if err != nil {
		return CloudAccount{}, wrapf(err, "update cloud account %d", a.ID)
	}
	return out, nil
}

// DeleteCloudAccount removes an account. ErrNotFound when absent.
func (db *DB) DeleteCloudAccount(ctx context.Context, id int64) error {
	res, err := db.exec(ctx, `DELETE FROM cloud_accounts WHERE id = ?`, id)
	if err != nil {
		return wrapf(err, "delete cloud account %d", id)
	}
	if err := rowsAffected(res); err != nil {
		return wrapf(err, "delete cloud account %d", id)
	}
	return nil
}

// names encodes secret field names as a JSON array ("[]" for none).
func names(n []string) string {
	if len(n) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(n)
	return string(b)
}
