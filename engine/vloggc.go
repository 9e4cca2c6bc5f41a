package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// valueLogGCInterval is how often a durable engine looks for value-log space
// to reclaim. A look that finds nothing costs next to nothing (Badger picks
// a file from the garbage its compactions counted), so it looks often.
const valueLogGCInterval = time.Minute

// collectValueLog reclaims the value log's garbage, logging what it did.
func (e *Engine) collectValueLog() {
	n, err := e.store.collectValueLog()
	switch {
	case err != nil:
		e.log.Warn("value log garbage collection failed", "err", err)
	case n > 0:
		e.log.Info("value log garbage collected", "files", n)
	}
}

// collectValueLog rewrites the value-log files that are mostly garbage
// (znodes of at least the value threshold, since overwritten or deleted:
// Badger never reclaims that space by itself) and returns how many it
// rewrote. Badger moves a file's live values to the current file and then
// deletes it; the store opens Badger without SyncWrites, so the moved values
// must be synced before that deletion. An open iterator makes Badger defer
// the deletion until it closes, and the iterator closes only after the
// sync succeeded.
func (st *store) collectValueLog() (int, error) {
	txn := st.db.NewTransaction(false)
	it := txn.NewIterator(badger.IteratorOptions{})
	pinned := false
	defer func() {
		if !pinned {
			it.Close()
			txn.Discard()
		}
	}()
	n := 0
	for n < 16 {
		err := st.db.RunValueLogGC(0.5)
		if errors.Is(err, badger.ErrNoRewrite) || errors.Is(err, badger.ErrRejected) {
			break
		}
		if err != nil {
			return n, err
		}
		n++
	}
	if n == 0 || st.wal == nil {
		return n, nil
	}
	if err := syncFiles(st.dir, ".mem", ".vlog"); err != nil {
		// The moved values may not be on the device: keep the old files,
		// by never closing the iterator.
		pinned = true
		return n, err
	}
	return n, nil
}

// syncFiles fdatasyncs every file in dir whose name ends with one of exts.
func syncFiles(dir string, exts ...string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !slices.ContainsFunc(exts, func(x string) bool { return strings.HasSuffix(e.Name(), x) }) {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // flushed to a table and removed meanwhile
		}
		if err != nil {
			return err
		}
		err = datasync(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("sync %s: %w", e.Name(), err)
		}
	}
	return nil
}
