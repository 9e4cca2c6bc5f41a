package main

import (
	"context"
	"fmt"

	"github.com/zkembed/zkembed/api"
)

// APIDriver adapts any dial function that returns an api.Client (our own
// wire client, transport.Dial, once it exists) to Driver. Registering it is
// one line in drivers:
//
//	"zkembed": APIDriver{Label: "zkembed client", DialFunc: func(ctx context.Context, addr string) (api.Client, error) { return transport.Dial(ctx, addr, ...) }},
type APIDriver struct {
	// Label names the client library in the table.
	Label string
	// DialFunc opens a session with addr and returns once it is
	// established.
	DialFunc func(ctx context.Context, addr string) (api.Client, error)
}

// Name returns d.Label.
func (d APIDriver) Name() string { return d.Label }

// Dial opens a session through d.DialFunc.
func (d APIDriver) Dial(ctx context.Context, addr string) (Client, error) {
	c, err := d.DialFunc(ctx, addr)
	if err != nil {
		return nil, err
	}
	return apiClient{c}, nil
}

// apiClient adapts an api.Client to Client.
type apiClient struct{ c api.Client }

func (a apiClient) Create(ctx context.Context, path string, data []byte, ephemeral bool) (string, error) {
	mode := api.ModePersistent
	if ephemeral {
		mode = api.ModeEphemeral
	}
	return a.c.Create(ctx, path, data, api.OpenACLUnsafe, mode)
}

func (a apiClient) Set(ctx context.Context, path string, data []byte) (int32, error) {
	st, err := a.c.Set(ctx, path, data, -1)
	if err != nil {
		return 0, err
	}
	return st.Version, nil
}

func (a apiClient) Get(ctx context.Context, path string) ([]byte, int32, error) {
	data, st, err := a.c.Get(ctx, path)
	if err != nil {
		return nil, 0, err
	}
	return data, st.Version, nil
}

func (a apiClient) GetW(ctx context.Context, path string) ([]byte, <-chan struct{}, error) {
	data, _, ch, err := a.c.GetW(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	fired := make(chan struct{})
	go func() {
		<-ch
		close(fired)
	}()
	return data, fired, nil
}

func (a apiClient) Exists(ctx context.Context, path string) (bool, int32, int32, error) {
	st, err := a.c.Exists(ctx, path)
	if err != nil || st == nil {
		return false, 0, 0, err
	}
	return true, st.Version, st.DataLength, nil
}

func (a apiClient) Children(ctx context.Context, path string) ([]string, error) {
	names, _, err := a.c.Children(ctx, path)
	return names, err
}

func (a apiClient) NumChildren(ctx context.Context, path string) (int32, error) {
	st, err := a.c.Exists(ctx, path)
	if err != nil {
		return 0, err
	}
	if st == nil {
		return 0, fmt.Errorf("%s does not exist", path)
	}
	return st.NumChildren, nil
}

func (a apiClient) Delete(ctx context.Context, path string) error {
	return a.c.Delete(ctx, path, -1)
}

func (a apiClient) Close() error { return a.c.Close() }
