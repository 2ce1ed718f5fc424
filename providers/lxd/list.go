package lxd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"

	lxdclient "github.com/canonical/lxd/client"

	"github.com/neogenesys/console/providers"
)

// listWorkers bounds the per-project requests in flight when projects are
// listed one by one.
const listWorkers = 4

// List implements providers.Provider. Every instance of every project, with
// its state, comes from one GET /1.0/instances?recursion=2&all-projects=true.
// With a projects list (or a server without the instance_all_projects
// extension) it is one such call per project, a few at a time.
func (p *Provider) List(ctx context.Context, emit func(providers.VM) error) error {
	if err := ctx.Err(); err != nil {
		return p.wrap("list", err)
	}
	c, err := p.connect(ctx)
	if err != nil {
		return err
	}
	info, err := p.serverInfo(ctx, c, false)
	if err != nil {
		return err
	}
	var partial providers.Partial
	scopes := p.projects
	if len(scopes) == 0 && info.allProjects {
		if err := p.listProject(ctx, c, "", info, partial.Skip, emit); err != nil {
			return err
		}
		return partial.Err()
	}
	if len(scopes) == 0 {
		if scopes, err = retry(ctx, p.backoff, c.GetProjectNames); err != nil {
			return p.wrap("GET /1.0/projects", err)
		}
	}
	var (
		mu      sync.Mutex // emit and partial are used by one worker at a time
		emitErr error      // once emit fails, it is not called again
	)
	emitLocked := func(vm providers.VM) error {
		mu.Lock()
		defer mu.Unlock()
		if emitErr == nil {
			emitErr = emit(vm)
		}
		return emitErr
	}
	skipLocked := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		partial.Skip(format, args...)
	}
	err = forEach(ctx, scopes, listWorkers, func(ctx context.Context, project string) error {
		return p.listProject(ctx, c, project, info, skipLocked, emitLocked)
	})
	if err == context.Canceled || err == context.DeadlineExceeded { // the caller's, not yet wrapped
		return p.wrap("list", err)
	}
	if err != nil {
		return err
	}
	return partial.Err()
}

// listProject streams one project's instances with their state, or every
// project's when project is "", through decode.
func (p *Provider) listProject(ctx context.Context, c lxdclient.InstanceServer, project string, info *serverInfo,
	skip func(string, ...any), emit func(providers.VM) error) error {
	path, op := "/1.0/instances?recursion=2&all-projects=true", "list"
	if project != "" {
		path, op = "/1.0/instances?recursion=2&project="+url.QueryEscape(project), "list project "+project
	}
	// Only the request is retried: a 429/503 comes before any record.
	body, err := retry(ctx, p.backoff, func() (io.ReadCloser, error) { return p.get(ctx, c, path) })
	if err != nil {
		return p.wrap(op, err)
	}
	defer func() {
		// Drain the little that follows the array, so the connection is reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(body, 4096))
		body.Close()
	}()
	dec := json.NewDecoder(body)
	if err := metadata(dec); err != nil {
		return p.wrap(op, err)
	}
	if err := p.decode(ctx, dec, project, info, skip, emit); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errMalformed) {
			return p.wrap(op, err)
		}
		return err // emit's own error, untouched
	}
	return nil
}

// decode reads the instance array from dec one record at a time and emits
// each usable one. A record of the wrong shape in one field is still
// emitted (that field left empty); one without a name cannot be, and is
// reported to skip. Records are decoded into the adapter's own wire type,
// not LXD's api.InstanceFull, whose snapshots, backups and time fields
// would cost more and fail whole records.
func (p *Provider) decode(ctx context.Context, dec *json.Decoder, project string, info *serverInfo,
	skip func(format string, args ...any), emit func(providers.VM) error) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return fmt.Errorf("%w: instances: want a JSON array (%v)", errMalformed, err)
	}
	for i := 0; dec.More(); i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var w wireInstance
		var typeErr *json.UnmarshalTypeError
		if err := dec.Decode(&w); err != nil && !errors.As(err, &typeErr) {
			// Broken JSON or a cut connection: the rest cannot be read.
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return fmt.Errorf("%w: instances: record %d: %w", errMalformed, i, err)
		}
		if w.Name == "" {
			skip("record %d of project %q: no name", i, project)
			continue
		}
		if err := emit(p.toVM(&w, project, info)); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%w: instances: %w", errMalformed, err)
	}
	return nil
}

// forEach runs fn for every scope, at most workers at once. The first error
// cancels the others and is returned.
func forEach(ctx context.Context, scopes []string, workers int, fn func(context.Context, string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range min(workers, len(scopes)) {
		wg.Go(func() {
			for s := range jobs {
				if err := fn(ctx, s); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, s := range scopes {
		select {
		case jobs <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
