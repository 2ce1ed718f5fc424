package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StoredVM is one VM of the inventory as the store keeps it. Data is the
// provider's VM as JSON; the store does not look inside.
type StoredVM struct {
	ID         int64
	CloudID    int64
	ProviderID string
	Data       string
	FirstSeen  time.Time
	LastSeen   time.Time
	GoneAt     time.Time // zero while present
}

// SyncRun is one sync of a cloud account.
type SyncRun struct {
	ID        int64
	CloudID   int64
	StartedAt time.Time
	EndedAt   time.Time
	VMs       int
	Error     string // "" when it succeeded
}

const vmColumns = `id, cloud_id, provider_id, data, first_seen, last_seen, gone_at`

func scanVM(row scanner) (StoredVM, error) {
	var (
		v                 StoredVM
		first, last, gone int64
	)
	if err := row.Scan(&v.ID, &v.CloudID, &v.ProviderID, &v.Data, &first, &last, &gone); err != nil {
		return StoredVM{}, err
	}
	v.FirstSeen, v.LastSeen, v.GoneAt = fromMillis(first), fromMillis(last), fromMillis(gone)
	return v, nil
}

// saveBatch is how many VMs one INSERT statement carries.
const saveBatch = 200

// SaveVMs inserts or updates vms in one transaction, matching on (CloudID,
// ProviderID), and returns them with their IDs, in the order given.
// FirstSeen is kept from the first insert. A VM given twice is an error.
func (db *DB) SaveVMs(ctx context.Context, vms []StoredVM) ([]StoredVM, error) {
	out := make([]StoredVM, len(vms))
	if len(vms) == 0 {
		return out, nil
	}
	type vmRef struct {
		cloud int64
		id    string
	}
	index := make(map[vmRef]int, len(vms))
	for i, v := range vms {
		k := vmRef{v.CloudID, v.ProviderID}
		if _, dup := index[k]; dup {
			return nil, fmt.Errorf("store: save vms: vm %d/%s given twice", v.CloudID, v.ProviderID)
		}
		index[k] = i
	}
	err := db.inTx(ctx, func(t tx) error {
		// Many rows per statement: RETURNING names each row, so the order
		// the engine returns them in does not matter.
		for lo := 0; lo < len(vms); lo += saveBatch {
			batch := vms[lo:min(lo+saveBatch, len(vms))]
			var q strings.Builder
			q.WriteString(`INSERT INTO vms (cloud_id, provider_id, data, first_seen, last_seen, gone_at) VALUES `)
			args := make([]any, 0, 6*len(batch))
			for i, v := range batch {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?)")
				args = append(args, v.CloudID, v.ProviderID, v.Data, toMillis(nowIfZero(v.FirstSeen)),
					toMillis(nowIfZero(v.LastSeen)), toMillis(v.GoneAt))
			}
			q.WriteString(` ON CONFLICT (cloud_id, provider_id) DO UPDATE SET data = excluded.data,
			   last_seen = excluded.last_seen, gone_at = excluded.gone_at RETURNING ` + vmColumns)
			rows, err := t.query(ctx, q.String(), args...)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				saved, err := scanVM(rows)
				if err != nil {
					rows.Close()
					return err
				}
				out[index[vmRef{saved.CloudID, saved.ProviderID}]] = saved
				n++
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if n != len(batch) {
				return fmt.Errorf("saved %d of %d vms", n, len(batch))
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapf(err, "save %d vms", len(vms))
	}
	return out, nil
}

// DeleteVMs removes VMs by ID; missing ones are ignored.
func (db *DB) DeleteVMs(ctx context.Context, ids []int64) error {
	err := db.inTx(ctx, func(t tx) error {
		for _, id := range ids {
			if _, err := t.exec(ctx, `DELETE FROM vms WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrapf(err, "delete %d vms", len(ids))
	}
	return nil
}

// ListVMs returns every stored VM.
func (db *DB) ListVMs(ctx context.Context) ([]StoredVM, error) {
	rows, err := db.query(ctx, `SELECT `+vmColumns+` FROM vms ORDER BY id`)
	if err != nil {
		return nil, wrapf(err, "list vms")
	}
	defer rows.Close()
	var out []StoredVM
	for rows.Next() {
		v, err := scanVM(rows)
		if err != nil {
			return nil, wrapf(err, "list vms")
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "list vms")
	}
	return out, nil
}

// AppendSyncRun records a sync and keeps the newest keep runs of its
// account (keep <= 0 keeps all).
func (db *DB) AppendSyncRun(ctx context.Context, r SyncRun, keep int) (SyncRun, error) {
	err := db.inTx(ctx, func(t tx) error {
		if err := t.queryRow(ctx,
			`INSERT INTO sync_runs (cloud_id, started_at, ended_at, vms, error) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			r.CloudID, toMillis(r.StartedAt), toMillis(r.EndedAt), r.VMs, r.Error).Scan(&r.ID); err != nil {
			return err
		}
		if keep > 0 {
			// ids are shared by every account: keep this account's newest.
			_, err := t.exec(ctx, `DELETE FROM sync_runs WHERE cloud_id = ? AND id NOT IN
			   (SELECT id FROM sync_runs WHERE cloud_id = ? ORDER BY id DESC LIMIT ?)`, r.CloudID, r.CloudID, keep)
			return err
		}
		return nil
	})
	if err != nil {
		return SyncRun{}, wrapf(err, "append sync run of cloud %d", r.CloudID)
	}
	return r, nil
}

// ListSyncRuns returns an account's newest runs first, at most limit.
func (db *DB) ListSyncRuns(ctx context.Context, cloudID int64, limit int) ([]SyncRun, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.query(ctx,
		`SELECT id, cloud_id, started_at, ended_at, vms, error FROM sync_runs WHERE cloud_id = ? ORDER BY id DESC LIMIT ?`, cloudID, limit)
	if err != nil {
		return nil, wrapf(err, "list sync runs of cloud %d", cloudID)
	}
	defer rows.Close()
	var out []SyncRun
	for rows.Next() {
		var r SyncRun
		var start, end int64
		if err := rows.Scan(&r.ID, &r.CloudID, &start, &end, &r.VMs, &r.Error); err != nil {
			return nil, wrapf(err, "list sync runs of cloud %d", cloudID)
		}
		r.StartedAt, r.EndedAt = fromMillis(start), fromMillis(end)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "list sync runs of cloud %d", cloudID)
	}
	return out, nil
}
