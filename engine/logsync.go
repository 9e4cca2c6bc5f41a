package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// logFiles syncs one of Badger's families of numbered, append-only files:
// the memtables' write-ahead logs ("00007.mem") or the value logs
// ("000003.vlog"). Badger's own SyncWrites msyncs both the WAL and the
// current value log after every write, and the value log's msync costs as
// much as a third of a commit even when nothing was written to it (values
// under ValueThreshold live in the WAL alone). So the store opens Badger
// without SyncWrites and, after each commit, fdatasyncs only the files that
// commit wrote: always the WAL, the value log only when a value went there.
//
// A commit's entries are in the file last synced or in newer ones (Badger
// moves to a new file when one fills, possibly in the middle of a commit),
// so sync goes from the file last synced to the newest. A file Badger has
// already flushed to a table and removed needs nothing: the table was synced
// before the removal.
type logFiles struct {
	dir    string
	ext    string // ".mem" or ".vlog"
	digits int    // the zero-padded width of a file's number
	id     int    // the file synced last
	f      *os.File
	next   string // the path of file id+1, whose appearance sync checks each time
}

// openLogFiles finds the newest file of the family in dir, where Badger
// writes next.
func openLogFiles(dir, ext string, digits int) (*logFiles, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	l := &logFiles{dir: dir, ext: ext, digits: digits, id: -1}
	for _, e := range ents {
		num, ok := strings.CutSuffix(e.Name(), ext)
		if !ok {
			continue
		}
		if id, err := strconv.Atoi(num); err == nil && id > l.id {
			l.id = id
		}
	}
	if l.id < 0 {
		return nil, fmt.Errorf("no %s file in %s", ext, dir)
	}
	l.next = l.path(l.id + 1)
	return l, nil
}

func (l *logFiles) path(id int) string {
	return filepath.Join(l.dir, fmt.Sprintf("%0*d%s", l.digits, id, l.ext))
}

// sync makes everything written to the family so far durable.
func (l *logFiles) sync() error {
	for {
		if l.f == nil {
			f, err := os.Open(l.path(l.id))
			switch {
			case err == nil:
				l.f = f
			case !errors.Is(err, fs.ErrNotExist):
				return err
			}
		}
		if l.f != nil {
			if err := datasync(l.f); err != nil {
				return fmt.Errorf("sync %s: %w", l.f.Name(), err)
			}
		}
		if _, err := os.Stat(l.next); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		l.close()
		l.id++
		l.next = l.path(l.id + 1)
	}
}

func (l *logFiles) close() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}
