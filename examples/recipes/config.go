package recipes

import (
	"context"
	"errors"

	"github.com/zkembed/zkembed/api"
)

// WatchConfig is live configuration: it calls fn with the data of the
// znode at path now and after every change, until ctx ends or the session
// does (then it returns ctx's error or api.ErrSessionExpired). A missing
// znode is reported as nil data with version -1. Changes are observed by
// one-shot watches, so fn sees the latest value, not necessarily every
// intermediate one; it never sees the same version twice.
func WatchConfig(ctx context.Context, c api.Client, path string, fn func(data []byte, version int32)) error {
	last := int32(-2)
	for {
		var data []byte
		var st *api.Stat
		var ch <-chan api.Event
		err := retry(ctx, func() (err error) { data, st, ch, err = c.GetW(ctx, path); return err })
		if errors.Is(err, api.ErrNoNode) {
			err = retry(ctx, func() (err error) { st, ch, err = c.ExistsW(ctx, path); return err })
			if err == nil && st != nil {
				continue // created in between: read it
			}
			data, st = nil, &api.Stat{Version: -1}
		}
		if err != nil {
			return err
		}
		if st.Version != last {
			last = st.Version
			fn(data, st.Version)
		}
		if err := wait(ctx, ch); err != nil {
			return err
		}
	}
}
