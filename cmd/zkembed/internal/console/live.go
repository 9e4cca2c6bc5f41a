package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/zkembed/zkembed/api"
)

// liveEvent is one entry of the event stream.
type liveEvent struct {
	Type  string `json:"type"`            // NodeCreated ... or "State", "Session", "Overflow"
	Path  string `json:"path,omitempty"`  // znode path
	Zxid  string `json:"zxid,omitempty"`  // hex, as ZooKeeper prints zxids
	State string `json:"state,omitempty"` // for Type "State"
	Time  int64  `json:"time"`            // milliseconds since the epoch, when the console got it
}

// subBuffer is how many events a slow page may fall behind before it is
// told to reload (an "Overflow" event).
const subBuffer = 1024

// watch forwards the events of cl's persistent-recursive watch to the
// subscribers until the channel closes (session closed or expired).
func (b *browser) watch(cl api.Client, ch <-chan api.Event) {
	defer b.c.wg.Done()
	for ev := range ch {
		le := liveEvent{Type: ev.Type.String(), Path: ev.Path, Time: time.Now().UnixMilli()}
		if ev.Zxid > 0 {
			le.Zxid = fmt.Sprintf("0x%x", int64(ev.Zxid))
		}
		if ev.Type == api.EventNone {
			le.Type, le.State, le.Path = "State", ev.State.String(), ""
		}
		b.publish(le)
		if ev.Type == api.EventNone && ev.State == api.StateExpired {
			break
		}
	}
	// The channel closed or the session expired: a later call dials anew.
	b.drop(cl)
}

// publish sends e to every subscriber; one that is full gets an overflow
// mark instead.
func (b *browser) publish(e liveEvent) {
	if e.Time == 0 {
		e.Time = time.Now().UnixMilli()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		select {
		case s <- e:
		default:
			select {
			case <-s: // make room for the mark
			default:
			}
			select {
			case s <- liveEvent{Type: "Overflow", Time: e.Time}:
			default:
			}
		}
	}
}

// handleEvents streams the browser session's events as Server-Sent Events
// until the page goes or the console closes.
func (c *Console) handleEvents(w http.ResponseWriter, r *http.Request) {
	b, err := c.session(w, r, false)
	if err != nil {
		writeErr(w, http.StatusUnauthorized, "NoSession", err.Error())
		return
	}
	if _, err := b.zk(r.Context()); err != nil {
		c.fail(w, err)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		writeErr(w, http.StatusInternalServerError, "NoFlush", "streaming unsupported")
		return
	}
	s := make(chan liveEvent, subBuffer)
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
	}()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n: connected\n\n")
	fl.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.done:
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case e := <-s:
			j, _ := json.Marshal(e)
			fmt.Fprintf(w, "data: %s\n\n", j)
		}
		fl.Flush()
	}
}
