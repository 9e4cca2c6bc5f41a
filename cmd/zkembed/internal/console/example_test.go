package console_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/zkembed/zkembed/cmd/zkembed/internal/console"
	"github.com/zkembed/zkembed/engine"
	"github.com/zkembed/zkembed/transport"
)

// ExampleNew serves the console for a ZooKeeper server (here an in-memory
// zkembed on loopback) and asks it what the page may do.
func ExampleNew() {
	eng, _ := engine.Open(engine.Options{})
	defer eng.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv := transport.NewServer(eng, transport.Options{})
	go srv.Serve(ln)
	defer srv.Close()

	con, err := console.New(console.Options{Connect: ln.Addr().String(), ReadOnly: true})
	if err != nil {
		panic(err)
	}
	defer con.Close()
	web := httptest.NewServer(con)
	defer web.Close()

	resp, err := http.Get(web.URL + "/api/info")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var info struct {
		ReadOnly bool `json:"readOnly"`
		Zkembed  bool `json:"zkembed"`
	}
	json.NewDecoder(resp.Body).Decode(&info)
	fmt.Println("read-only:", info.ReadOnly, "zkembed panels:", info.Zkembed)
	// Output: read-only: true zkembed panels: false
}
