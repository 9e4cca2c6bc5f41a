package recipes

import (
	"context"
	"errors"
	"slices"

	"github.com/zkembed/zkembed/api"
)

// ServicesRoot is where Register and WatchService keep services.
const ServicesRoot = "/services"

// Register announces an instance of service at addr with an ephemeral
// znode under /services/<service>; it disappears when the session ends.
// It returns the instance's znode, to Delete for a graceful deregistration.
func Register(ctx context.Context, c api.Client, service, addr string) (string, error) {
	dir := ServicesRoot + "/" + service
	if err := ensurePath(ctx, c, dir); err != nil {
		return "", err
	}
	return createProtected(ctx, c, dir, "instance-", []byte(addr), api.ModeEphemeralSequential)
}

// WatchService calls fn with the sorted addresses of service's live
// instances now and whenever they change, until ctx ends or the session
// does.
func WatchService(ctx context.Context, c api.Client, service string, fn func(addrs []string)) error {
	dir := ServicesRoot + "/" + service
	if err := ensurePath(ctx, c, dir); err != nil {
		return err
	}
	var last []string
	first := true
	for {
		var kids []string
		var ch <-chan api.Event
		if err := retry(ctx, func() (err error) { kids, _, ch, err = c.ChildrenW(ctx, dir); return err }); err != nil {
			return err
		}
		addrs := []string{}
		for _, k := range kids {
			var data []byte
			err := retry(ctx, func() (err error) { data, _, err = c.Get(ctx, dir+"/"+k); return err })
			if errors.Is(err, api.ErrNoNode) {
				continue // left in between; the child watch fires
			}
			if err != nil {
				return err
			}
			addrs = append(addrs, string(data))
		}
		slices.Sort(addrs)
		if first || !slices.Equal(addrs, last) {
			first, last = false, addrs
			fn(addrs)
		}
		if err := wait(ctx, ch); err != nil {
			return err
		}
	}
}
